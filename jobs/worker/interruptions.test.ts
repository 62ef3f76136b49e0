import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { makeWorkerUtils } from 'graphile-worker';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { jobs, workers } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser, jobLogLines, jobRow, queueEntry, waitForJobStatus, waitForQueueEntryGone } from '@/test/fixtures';
import { queueJobKey } from '../enqueue';
import { launchJob } from '../launch';
import type { PersonViewer } from '../viewer';
import { quietLogger } from './logger';
import { startWorker, type RunningWorker } from './start-worker';

const databaseUrl = setUpTestDatabase();
const root = path.resolve(import.meta.dirname, '..', '..');
let user: PersonViewer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  user = await createTestUser('user');
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function inProcessWorker(options: { heartbeatSeconds?: number; deadAfterSeconds?: number } = {}): Promise<RunningWorker> {
  const worker = await startWorker({ databaseUrl: databaseUrl(), concurrency: 2, ...options });
  cleanups.push(() => worker.stop());
  return worker;
}

/** A real worker process, as `npm run worker` starts it. */
function workerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'jobs/worker/main.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl(), WORKER_CONCURRENCY: '2', WORKER_HEARTBEAT_SECONDS: '1' },
    stdio: 'ignore',
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
  return child;
}

/** A long job running in a worker process of its own, past its first step. */
async function longJobInWorkerProcess(): Promise<{ child: ChildProcess; id: number; workerId: string | null }> {
  const child = workerProcess();
  const id = await launchJob(user, 'long-running', { durationSeconds: 20, steps: 20 }, { origin: 'web' });
  await waitUntilRunning(id);
  return { child, id, workerId: (await jobRow(id)).workerId };
}

async function waitUntilRunning(id: number): Promise<void> {
  await waitForJobStatus(id, ['running']);
  // …and past its first step, so that it is in the middle of its work.
  const deadline = Date.now() + 10_000;
  while ((await jobRow(id)).progress === 0) {
    if (Date.now() > deadline) throw new Error(`job ${id} made no progress`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a worker that goes away under a running job', () => {
  it('hands the job back when stopped (SIGTERM), without spending an attempt; another worker finishes it', async () => {
    const { child, id, workerId: stoppingWorker } = await longJobInWorkerProcess();

    child.kill('SIGTERM');
    const exitCode = await new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    expect(exitCode).toBe(0);
    const handedBack = await jobRow(id);
    expect({ status: handedBack.status, attempts: handedBack.attempts, workerId: handedBack.workerId }).toEqual({ status: 'queued', attempts: 0, workerId: null });
    expect(handedBack.message).toBe(`Handed back: worker ${stoppingWorker} stopped during attempt 1; it will run again.`);
    const { attempts, max_attempts, locked_by } = (await queueEntry(id))!;
    expect({ attempts, max_attempts, locked_by }).toEqual({ attempts: 0, max_attempts: 3, locked_by: null });

    const next = await inProcessWorker();
    await getDb().update(jobs).set({ payload: { durationSeconds: 1, steps: 1 } }).where(eq(jobs.id, id)); // finish quickly
    const done = await waitForJobStatus(id, ['completed'], 15_000);
    expect({ attempts: done.attempts, workerId: done.workerId, attemptErrors: done.attemptErrors }).toEqual({ attempts: 1, workerId: next.id, attemptErrors: [] });
    expect((await jobLogLines(id)).filter((line) => line.startsWith('warning:') || line.includes('started on worker'))).toEqual([
      `info: Attempt 1 of 3 started on worker ${stoppingWorker}.`,
      `warning: Attempt 1 stopped because worker ${stoppingWorker} is shutting down; the job goes back to the queue.`,
      `info: Attempt 1 of 3 started on worker ${next.id}.`,
    ]);
    await waitForQueueEntryGone(id);
  });

  it('lets the next attempt take over a job whose worker was killed (kill -9), once its lock is released', async () => {
    const { child, id, workerId: deadWorker } = await longJobInWorkerProcess();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect((await jobRow(id)).status).toBe('running'); // nobody left to say otherwise

    // What the rescuer does once the worker's heartbeat stops (graphile-worker alone waits 4 hours).
    const lockedBy = (await queueEntry(id))!.locked_by!;
    const utils = await makeWorkerUtils({ connectionString: databaseUrl(), logger: quietLogger });
    cleanups.push(async () => utils.release());
    await getDb().update(jobs).set({ payload: { durationSeconds: 1, steps: 1 } }).where(eq(jobs.id, id));
    await utils.forceUnlockWorkers([lockedBy]);

    const next = await inProcessWorker();
    const done = await waitForJobStatus(id, ['completed'], 15_000);
    expect({ attempts: done.attempts, workerId: done.workerId }).toEqual({ attempts: 2, workerId: next.id });
    expect(done.attemptErrors).toEqual([
      {
        attempt: 1,
        kind: 'interrupted',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        workerId: deadWorker,
        message: `Worker ${deadWorker} stopped before the attempt finished.`,
        stack: null,
      },
    ]);
    expect((await jobLogLines(id)).filter((line) => line.startsWith('warning:'))).toEqual([
      `warning: Attempt 1 was interrupted: worker ${deadWorker} stopped before it finished.`,
    ]);
  });

  it('rescues a killed worker’s job within the heartbeat window: another worker completes it with attempts = 2', async () => {
    const { child, id, workerId: deadWorker } = await longJobInWorkerProcess();
    await getDb().update(jobs).set({ payload: { durationSeconds: 1, steps: 1 } }).where(eq(jobs.id, id));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const killedAt = Date.now();

    // A live worker that considers a worker dead after 3 s of silence, and looks every second.
    const rescuer = await inProcessWorker({ heartbeatSeconds: 1, deadAfterSeconds: 3 });
    const done = await waitForJobStatus(id, ['completed'], 20_000);
    // Dead after 3 s, noticed within a heartbeat (1 s), then run (1 s): well inside 3 + 1 + 2 s.
    expect(Date.now() - killedAt).toBeLessThan(6000);
    expect({ attempts: done.attempts, workerId: done.workerId }).toEqual({ attempts: 2, workerId: rescuer.id });
    expect(done.attemptErrors).toHaveLength(1);
    expect(done.attemptErrors[0]).toMatchObject({ attempt: 1, kind: 'interrupted', workerId: deadWorker });
    expect(done.attemptErrors[0]!.message).toMatch(new RegExp(`^Worker ${deadWorker} stopped responding \\(no heartbeat for \\d+ s\\) during attempt 1\\.$`));
    const warnings = (await jobLogLines(id)).filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/The job was rescued and goes back in line for attempt 2\.$/);
    const [workerRow] = await getDb().select().from(workers).where(eq(workers.id, deadWorker!));
    expect(workerRow!.stoppedAt).not.toBeNull();
    await waitForQueueEntryGone(id);
  });

  it('fails a killed worker’s job that was on its last attempt, and removes its queue entry', async () => {
    const { child, id } = await longJobInWorkerProcess();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // As if this had been the last of its attempts.
    await getDb().update(jobs).set({ maxAttempts: 1 }).where(eq(jobs.id, id));
    await getDb().execute(sql`update graphile_worker._private_jobs set max_attempts = 1 where key = ${queueJobKey(id)}`);

    await inProcessWorker({ heartbeatSeconds: 1, deadAfterSeconds: 2 });
    const failed = await waitForJobStatus(id, ['failed'], 10_000);
    expect(failed.error).toMatch(/stopped responding/);
    expect(failed.attemptErrors.map((entry) => entry.kind)).toEqual(['interrupted']);
    expect((await jobLogLines(id)).at(-1)).toMatch(/It was the last attempt: the job failed\.$/);
    expect(await queueEntry(id)).toBeUndefined();
  });
});
