import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { jobs, type JobOrigin, type JobPriority, type NewJob } from '@/db/schema';
import type { TaskDefinition } from './task';

/** A job to create; the payload has already been parsed by the task's schema. */
export interface EnqueueRequest {
  task: TaskDefinition;
  payload: Record<string, unknown>;
  origin: JobOrigin;
  /** The person who launched it; null for CLI jobs. */
  ownerId: string | null;
  /** The operating-system user behind a CLI job. */
  osUser?: string | null;
  priority?: JobPriority;
  runAt?: Date;
  retryOf?: number;
  scheduleId?: number;
}

/** graphile-worker runs lower numbers first. */
export const queuePriority: Record<JobPriority, number> = { critical: -20, high: -10, normal: 0, low: 10 };

/** graphile-worker's job key for one of our jobs: lets us find or remove its queue entry later. */
export function queueJobKey(jobId: number): string {
  return `job:${jobId}`;
}

/** The flag a job carries for its queue; a paused queue forbids it. */
export function queueFlag(queue: string): string {
  return `queue:${queue}`;
}

/**
 * The one way to create jobs. In one transaction (a savepoint when `db` is already a transaction):
 * our `jobs` rows, then their graphile-worker entries through `graphile_worker.add_jobs` in one
 * batch. Either all of it exists afterwards or none of it does.
 */
export async function enqueueJobs(db: DbOrTx, requests: EnqueueRequest[]): Promise<number[]> {
  if (requests.length === 0) return [];
  return db.transaction(async (tx) => {
    const now = Date.now();
    const rows: NewJob[] = requests.map((request) => {
      const { task, payload } = request;
      const runAt = request.runAt ?? new Date(now);
      return {
        task: task.name,
        title: task.describe?.(payload) ?? task.title,
        status: runAt.getTime() > now ? 'scheduled' : 'queued',
        priority: request.priority ?? task.defaultPriority,
        queue: task.queue,
        payload,
        origin: request.origin,
        ownerId: request.ownerId,
        osUser: request.osUser ?? null,
        relatedUrl: task.relatedUrl?.(payload) ?? null,
        maxAttempts: task.maxAttemptsFor?.(payload) ?? task.maxAttempts,
        runAt,
        retryOf: request.retryOf ?? null,
        scheduleId: request.scheduleId ?? null,
      };
    });
    const inserted = await tx.insert(jobs).values(rows).returning({ id: jobs.id });
    const specs = inserted.map(({ id }, index) => {
      const row = rows[index]!;
      return {
        identifier: row.task,
        payload: { jobId: id },
        run_at: row.runAt!.toISOString(),
        max_attempts: row.maxAttempts,
        job_key: queueJobKey(id),
        priority: queuePriority[row.priority!],
        flags: [queueFlag(row.queue!)],
      };
    });
    await tx.execute(sql`
      select 1 from graphile_worker.add_jobs(array(
        select row(s.identifier, s.payload, null, s.run_at, s.max_attempts, s.job_key, s.priority, s.flags)::graphile_worker.job_spec
        from json_to_recordset(${JSON.stringify(specs)}::json)
          as s(identifier text, payload json, run_at timestamptz, max_attempts int, job_key text, priority int, flags text[])
      ))`);
    return inserted.map(({ id }) => id);
  });
}
