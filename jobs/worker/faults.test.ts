import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { jobs } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { killProcess, killWorkerProcesses, startWorkerProcess } from '@/test/worker-processes';
import { launchJobs } from '../launch';
import type { PersonViewer } from '../viewer';

/**
 * Workers killed with SIGKILL, again and again, while 2,000 jobs run: every job must end (completed,
 * or failed once its attempts are spent), none lost, none run by two workers at once, each job of a
 * killed worker rescued within the heartbeat window with a log line saying what happened. About a
 * minute, so it runs when FAULT_TESTS is set (.ci/run sets it).
 */

const JOBS = 2_000;
const WORKERS = 3;
const CONCURRENCY = 20;
const KILLS = 6;
const KILL_EVERY_MS = 3_000;
const HEARTBEAT_SECONDS = 1;
const DEAD_AFTER_SECONDS = 3;

const databaseUrl = setUpTestDatabase();
const workerEnv = {
  WORKER_CONCURRENCY: String(CONCURRENCY),
  WORKER_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
  WORKER_DEAD_AFTER_SECONDS: String(DEAD_AFTER_SECONDS),
};
const startWorker = () => startWorkerProcess(databaseUrl(), workerEnv);

afterAll(killWorkerProcesses);

describe.skipIf(!process.env.FAULT_TESTS)('workers killed while 2,000 jobs run', () => {
  let user: PersonViewer;
  beforeAll(async () => {
    user = await createTestUser('user');
  });

  it('every job ends, none is lost, and each killed worker’s jobs are rescued within the heartbeat window, saying so', { timeout: 300_000 }, async () => {
    const running = await Promise.all(Array.from({ length: WORKERS }, () => startWorker()));
    // Jobs of one or two seconds, so that each kill finds some running.
    const ids = await launchJobs(
      user,
      'long-running',
      Array.from({ length: JOBS }, (_, index) => ({ durationSeconds: 1 + (index % 2), steps: 4 })),
      { origin: 'web' },
    );

    const kills: { pid: number; at: number }[] = [];
    for (let round = 0; round < KILLS; round++) {
      await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
      const victim = running.shift()!;
      kills.push({ pid: victim.pid!, at: Date.now() });
      await killProcess(victim, 'SIGKILL');
      running.push(await startWorker());
    }

    const terminal = async () => {
      const [row] = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from jobs where status in ('completed', 'failed', 'cancelled')`);
      return row!.n;
    };
    const deadline = Date.now() + 240_000;
    while ((await terminal()) < JOBS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));

    // Every job ended: completed, or failed with every attempt spent, each spent one interrupted.
    const rows = await getDb()
      .select({ id: jobs.id, status: jobs.status, attempts: jobs.attempts, maxAttempts: jobs.maxAttempts, attemptErrors: jobs.attemptErrors })
      .from(jobs)
      .where(inArray(jobs.id, ids));
    expect(rows).toHaveLength(JOBS);
    const byStatus = (status: string) => rows.filter((row) => row.status === status);
    expect(byStatus('completed').length + byStatus('failed').length).toBe(JOBS);
    for (const failed of byStatus('failed')) {
      expect(failed.attempts).toBe(failed.maxAttempts);
      expect((failed.attemptErrors as { kind: string }[]).every((entry) => entry.kind === 'interrupted')).toBe(true);
    }

    // The kills hit running jobs, and each of those jobs was rescued with a log line saying so.
    const interrupted = rows.filter((row) => (row.attemptErrors as unknown[]).length > 0);
    expect(interrupted.length).toBeGreaterThanOrEqual(KILLS);
    const rescueLines = await getDb().execute<{ job_id: string; at: string; message: string; pid: number }>(sql`
      select l.job_id::text, l.at::text, l.message, w.pid
      from job_logs l join workers w on l.message like 'Worker ' || w.id || ' stopped responding%'
      where l.job_id = any(${`{${ids.join(',')}}`}::bigint[])`);
    const rescuedJobs = new Set(rescueLines.map((line) => Number(line.job_id)));
    for (const job of interrupted) expect(rescuedJobs.has(job.id), `job ${job.id} has no rescue line`).toBe(true);
    // Each rescue came within the window: the kill, then DEAD_AFTER_SECONDS of silence, then the next
    // heartbeat of a live worker (with 3 s of slack: other test files run on the same two cores).
    const windowMs = (DEAD_AFTER_SECONDS + 2 * HEARTBEAT_SECONDS + 3) * 1000;
    for (const line of rescueLines) {
      const killed = kills.find((entry) => entry.pid === Number(line.pid));
      expect(killed, `a rescue of worker pid ${line.pid}, which the test did not kill`).toBeDefined();
      expect(new Date(line.at).getTime() - killed!.at).toBeLessThanOrEqual(windowMs);
    }

    // No attempt ran twice: one "started" line per attempt number.
    const doubled = await getDb().execute(sql`
      select job_id from job_logs
      where job_id = any(${`{${ids.join(',')}}`}::bigint[]) and message like 'Attempt % started on worker %'
      group by job_id having count(*) <> count(distinct attempt)`);
    expect(doubled).toHaveLength(0);

    // Nothing is left in the queue or locked, and every killed worker is marked stopped.
    const [left] = await getDb().execute<{ entries: number; locked: number; unstopped: number }>(sql`
      select (select count(*)::int from graphile_worker._private_jobs) as entries,
             (select count(*)::int from graphile_worker._private_jobs where locked_at is not null) as locked,
             (select count(*)::int from workers where pid = any(${`{${kills.map((entry) => entry.pid).join(',')}}`}::int[]) and stopped_at is null) as unstopped`);
    expect(left).toEqual({ entries: 0, locked: 0, unstopped: 0 });
    console.log(
      `[faults] ${KILLS} workers killed, ${JOBS} jobs: ${byStatus('completed').length} completed, ${byStatus('failed').length} failed after all attempts, ` +
        `${interrupted.length} interrupted and rescued, 0 lost`,
    );
    await Promise.all(running.map((child) => killProcess(child, 'SIGTERM')));
  });
});
