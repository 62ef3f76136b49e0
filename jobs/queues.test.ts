import { desc, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobs } from '@/db/schema';
import { createTestUser, jobRow, queueEntry, waitForJobStatus } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { findTask } from './catalogue';
import { stopJob } from './control';
import { enqueueJobs, queueJobKey } from './enqueue';
import { ForbiddenError, NotFoundError, ValidationError } from './errors';
import { launchJob } from './launch';
import { changePriority, jobsInLine, pauseQueue, positionInLine, purgeQueue, queueSummaries, resumeQueue } from './queues';
import type { PersonViewer } from './viewer';
import { startWorker, type RunningWorker } from './worker/start-worker';

const databaseUrl = setUpTestDatabase();
const web = { origin: 'web' as const };

let owner: PersonViewer;
let admin: PersonViewer;
let auditor: PersonViewer;

beforeAll(async () => {
  owner = await createTestUser('user');
  admin = await createTestUser('admin');
  auditor = await createTestUser('auditor');
});

async function lastAudit() {
  const [row] = await getDb().select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  return row!;
}

/** Waiting jobs with no worker running (this block starts none). */
async function waitingJobs(task: string, count: number, runAt?: Date): Promise<number[]> {
  return enqueueJobs(
    getDb(),
    Array.from({ length: count }, () => ({ task: findTask(task)!, payload: {}, origin: 'web' as const, ownerId: owner.id, runAt })),
  );
}

describe('priorities and the line (no worker)', () => {
  it('a higher priority moves a job to the front of the line, in graphile-worker too', async () => {
    const [first, second, third] = (await waitingJobs('long-running', 3)) as [number, number, number];
    expect((await jobsInLine(getDb())).map((job) => job.id)).toEqual([first, second, third]);
    expect(await positionInLine(getDb(), third)).toEqual({ position: 3, of: 3 });

    await changePriority(getDb(), admin, third, 'critical', web);
    expect((await jobsInLine(getDb())).map((job) => [job.id, job.position, job.priority])).toEqual([
      [third, 1, 'critical'],
      [first, 2, 'normal'],
      [second, 3, 'normal'],
    ]);
    expect(await positionInLine(getDb(), first)).toEqual({ position: 2, of: 3 });
    expect((await queueEntry(third))!.priority).toBe(-20);
    expect(await lastAudit()).toMatchObject({ action: 'job.priority', jobIds: [third], details: { from: 'normal', to: 'critical' } });
    await purgeQueue(getDb(), admin, 'default', web);
  });

  it('only admins change priorities: a user is forbidden, an auditor too; a missing job is not found', async () => {
    const [id] = (await waitingJobs('long-running', 1)) as [number];
    await expect(changePriority(getDb(), owner, id, 'critical', web)).rejects.toThrow(ForbiddenError);
    await expect(changePriority(getDb(), auditor, id, 'critical', web)).rejects.toThrow(ForbiddenError);
    await expect(changePriority(getDb(), admin, 999_999_999, 'critical', web)).rejects.toThrow(NotFoundError);
    expect((await jobRow(id)).priority).toBe('normal');
    await purgeQueue(getDb(), admin, 'default', web);
  });

  it('purge cancels only the waiting jobs of that queue', async () => {
    const defaults = await waitingJobs('long-running', 2, new Date(Date.now() + 3_600_000));
    const [imports] = (await enqueueJobs(getDb(), [
      { task: findTask('csv-import-check')!, payload: { csv: 'identifier,title\nA,B\n' }, origin: 'web', ownerId: owner.id, runAt: new Date(Date.now() + 3_600_000) },
    ])) as [number];
    const [done] = (await waitingJobs('long-running', 1)) as [number];
    await getDb().update(jobs).set({ status: 'completed' }).where(eq(jobs.id, done));

    expect(await purgeQueue(getDb(), admin, 'default', web)).toBe(2);
    for (const id of defaults) {
      expect((await jobRow(id)).status).toBe('cancelled');
      expect(await queueEntry(id)).toBeUndefined();
    }
    expect((await jobRow(imports)).status).toBe('scheduled');
    expect(await queueEntry(imports)).toBeDefined();
    expect((await jobRow(done)).status).toBe('completed');
    expect(await lastAudit()).toMatchObject({ action: 'queue.purge', jobCount: 2, details: { queue: 'default' } });
    await purgeQueue(getDb(), admin, 'imports', web);
  });

  it('refuses users, auditors and unknown queues, changing nothing', async () => {
    await expect(pauseQueue(getDb(), owner, 'default', web)).rejects.toThrow(ForbiddenError);
    await expect(purgeQueue(getDb(), auditor, 'default', web)).rejects.toThrow(ForbiddenError);
    await expect(pauseQueue(getDb(), admin, 'no-such-queue', web)).rejects.toThrow('There is no queue "no-such-queue".');
    await expect(pauseQueue(getDb(), admin, "x'; drop table jobs; --", web)).rejects.toThrow(ValidationError);
    expect((await queueSummaries(getDb())).some((queue) => queue.paused)).toBe(false);
  });
});

describe('a paused queue (with a worker)', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker({ databaseUrl: databaseUrl(), concurrency: 2 });
  });
  afterAll(async () => {
    await worker?.stop();
  });
  afterEach(async () => {
    await resumeQueue(getDb(), admin, 'default', web); // a failed test must not leave the next one paused
  });

  it('does not start its jobs until resumed; other queues go on', async () => {
    await pauseQueue(getDb(), admin, 'default', web);
    expect((await queueSummaries(getDb())).find((queue) => queue.queue === 'default')).toMatchObject({ paused: true });
    const held = await launchJob(owner, 'long-running', { durationSeconds: 1, steps: 1 }, web);
    const other = await launchJob(owner, 'csv-import-check', { csv: 'identifier,title\nA,B\n' }, web);
    await waitForJobStatus(other, ['completed']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await jobRow(held)).status).toBe('queued');
    expect(await positionInLine(getDb(), held)).toBeNull();
    expect((await jobsInLine(getDb())).map((job) => job.id)).not.toContain(held);

    await resumeQueue(getDb(), admin, 'default', web);
    expect(await lastAudit()).toMatchObject({ action: 'queue.resume', details: { queue: 'default' } });
    await waitForJobStatus(held, ['completed'], 10_000);
  });

  it('puts back, untouched, a job a worker fetched before the pause reached it', async () => {
    await pauseQueue(getDb(), admin, 'default', web);
    const held = await launchJob(owner, 'long-running', { durationSeconds: 1, steps: 1 }, web);
    // What a fetch that read the paused queues a moment before the pause committed sees: no flag.
    await getDb().execute(sql`update graphile_worker._private_jobs set flags = null where key = ${queueJobKey(held)}`);
    const deadline = Date.now() + 10_000;
    while (!(await queueEntry(held))?.flags) {
      if (Date.now() > deadline) throw new Error('the worker did not take the unflagged entry');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await queueEntry(held)).toMatchObject({ attempts: 0, max_attempts: 3, locked_by: null, flags: { 'queue:default': true } });
    expect(await jobRow(held)).toMatchObject({ status: 'queued', attempts: 0, startedAt: null, workerId: null });

    await resumeQueue(getDb(), admin, 'default', web);
    await waitForJobStatus(held, ['completed'], 10_000);
    expect((await jobRow(held)).attempts).toBe(1);
  });

  it('a purge leaves a running job of the queue alone', async () => {
    const running = await launchJob(owner, 'long-running', { durationSeconds: 30, steps: 30 }, web);
    await waitForJobStatus(running, ['running']);
    expect(await purgeQueue(getDb(), admin, 'default', web)).toBe(0);
    expect((await jobRow(running)).status).toBe('running');
    await stopJob(getDb(), admin, running, 'force', web);
  });
});
