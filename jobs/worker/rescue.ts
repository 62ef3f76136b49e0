import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { queueJobKey } from '../enqueue';
import { SCHEDULE_TASK } from '../schedules';
import { appendAttemptError } from './attempt-errors';

export interface RescueReport {
  /** Workers found dead and now marked stopped. */
  workers: string[];
  /** Their running jobs put back in line for another attempt. */
  retried: number[];
  /** Their running jobs that had no attempt left: failed. */
  failed: number[];
  /** graphile-worker workers whose lock on a schedule's pending run was released. */
  unlockedScheduleWorkers: number;
}

interface DeadWorker extends Record<string, unknown> {
  id: string;
  last_seen_at: Date;
}

interface OrphanJob extends Record<string, unknown> {
  id: number;
  attempts: number;
  max_attempts: number;
  queue_attempts: number | null;
  queue_max_attempts: number | null;
  locked_by: string | null;
}

/**
 * Rescues the jobs of workers that stopped heartbeating more than `deadAfterSeconds` ago (killed,
 * frozen, or on a machine that went away). graphile-worker alone would leave their jobs locked for
 * 4 hours. For each such worker, in one transaction: its graphile-worker locks are released
 * (`force_unlock_workers`); each job it was running goes back in line for its next attempt, or
 * fails if that was its last, with a log line and an `interrupted` entry in its attempt errors; the
 * worker is marked stopped. Several workers may run this at once: a dead worker is locked
 * (SKIP LOCKED) by the one rescuing it.
 */
export async function rescueDeadWorkers(db: Db, options: { deadAfterSeconds: number; selfId?: string }): Promise<RescueReport> {
  const report: RescueReport = { workers: [], retried: [], failed: [], unlockedScheduleWorkers: 0 };
  await db.transaction(async (tx) => {
    const dead = await tx.execute<DeadWorker>(sql`
      select id, last_seen_at from workers
      where stopped_at is null
        and last_seen_at < now() - make_interval(secs => ${options.deadAfterSeconds})
        and id is distinct from ${options.selfId ?? null}
      for update skip locked`);
    for (const worker of dead) {
      const orphans = await tx.execute<OrphanJob>(sql`
        select j.id, j.attempts, j.max_attempts, q.attempts as queue_attempts, q.max_attempts as queue_max_attempts, q.locked_by
        from jobs j
        left join graphile_worker.jobs q on q.key = 'job:' || j.id
        where j.worker_id = ${worker.id} and j.status = 'running'
        order by j.id
        for update of j`);
      const lockedBy = [...new Set(orphans.map((job) => job.locked_by).filter((id): id is string => id !== null))];
      if (lockedBy.length > 0) {
        const ids = JSON.stringify(lockedBy);
        await tx.execute(sql`select graphile_worker.force_unlock_workers(array(select jsonb_array_elements_text(${ids}::jsonb)))`);
      }
      const silentFor = `${Math.round((Date.now() - new Date(worker.last_seen_at).getTime()) / 1000)} s`;
      for (const job of orphans) {
        const entryLeft = job.queue_attempts !== null && job.queue_max_attempts !== null && job.queue_attempts < job.queue_max_attempts;
        const what = `Worker ${worker.id} stopped responding (no heartbeat for ${silentFor}) during attempt ${job.attempts}.`;
        const attemptErrors = appendAttemptError({ attempt: job.attempts, kind: 'interrupted', workerId: worker.id, message: what, stack: null });
        if (entryLeft) {
          await tx.execute(sql`
            update jobs set status = 'retrying', worker_id = null, heartbeat_at = null, run_at = now(), updated_at = now(),
              attempt_errors = ${attemptErrors},
              message = ${`${what} It will be retried.`}
            where id = ${job.id}`);
          await tx.execute(sql`
            insert into job_logs (job_id, level, attempt, message)
            values (${job.id}, 'warning', ${job.attempts}, ${`${what} The job was rescued and goes back in line for attempt ${job.attempts + 1}.`})`);
          report.retried.push(job.id);
        } else {
          // No attempt left (or no queue entry at all): it ends here, and its entry goes.
          await tx.execute(sql`select graphile_worker.remove_job(${queueJobKey(job.id)})`);
          await tx.execute(sql`
            update jobs set status = 'failed', finished_at = now(), updated_at = now(), errors = errors + 1,
              error = ${what}, attempt_errors = ${attemptErrors}, message = ${what}
            where id = ${job.id}`);
          await tx.execute(sql`
            insert into job_logs (job_id, level, attempt, message)
            values (${job.id}, 'error', ${job.attempts}, ${`${what} It was the last attempt: the job failed.`})`);
          report.failed.push(job.id);
        }
      }
      await tx.execute(sql`update workers set stopped_at = now(), running = 0 where id = ${worker.id}`);
      report.workers.push(worker.id);
    }
    // A schedule's pending run has no jobs row to find it by. Firing it takes milliseconds, so one
    // locked for longer than a dead worker's silence lost its worker: without this, graphile-worker
    // would keep it locked for 4 hours and the schedule would stall.
    const stalled = await tx.execute<{ locked_by: string }>(sql`
      select distinct locked_by from graphile_worker.jobs
      where task_identifier = ${SCHEDULE_TASK} and locked_by is not null
        and locked_at < now() - make_interval(secs => ${options.deadAfterSeconds})`);
    if (stalled.length > 0) {
      const ids = JSON.stringify(stalled.map((row) => row.locked_by));
      await tx.execute(sql`select graphile_worker.force_unlock_workers(array(select jsonb_array_elements_text(${ids}::jsonb)))`);
      report.unlockedScheduleWorkers = stalled.length;
    }
  });
  return report;
}
