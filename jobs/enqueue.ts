import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import type { JobOrigin, JobPriority } from '@/db/schema';
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
 * our `jobs` rows, then their graphile-worker entries through `graphile_worker.add_jobs`. Two
 * statements whatever the batch size (each takes its rows as one JSON parameter, so a batch of
 * any size stays under Postgres's limit of 65,535 parameters). Either all of it exists afterwards
 * or none of it does. Returns the new ids in the order of `requests`.
 */
export async function enqueueJobs(db: DbOrTx, requests: EnqueueRequest[]): Promise<number[]> {
  if (requests.length === 0) return [];
  const now = Date.now();
  const rows = requests.map((request) => {
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
      owner_id: request.ownerId,
      os_user: request.osUser ?? null,
      related_url: task.relatedUrl?.(payload) ?? null,
      max_attempts: task.maxAttemptsFor?.(payload) ?? task.maxAttempts,
      run_at: runAt.toISOString(),
      retry_of: request.retryOf ?? null,
      schedule_id: request.scheduleId ?? null,
    };
  });
  return db.transaction(async (tx) => {
    // Ids come from the identity in insertion order, which follows `ordinality`: sorted, they
    // match the requests one to one.
    const inserted = await tx.execute<QueuedRow>(sql`
      insert into jobs (task, title, status, priority, queue, payload, origin, owner_id, os_user, related_url, max_attempts, run_at, retry_of, schedule_id)
      select r.task, r.title, r.status::job_status, r.priority::job_priority, r.queue, r.payload, r.origin::job_origin,
             r.owner_id, r.os_user, r.related_url, r.max_attempts, r.run_at, r.retry_of, r.schedule_id
      from rows from (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as (
        task text, title text, status text, priority text, queue text, payload jsonb, origin text, owner_id uuid,
        os_user text, related_url text, max_attempts int, run_at timestamptz, retry_of bigint, schedule_id bigint))
        with ordinality as r(task, title, status, priority, queue, payload, origin, owner_id, os_user, related_url, max_attempts, run_at, retry_of, schedule_id, ord)
      order by r.ord
      returning id, task, run_at, max_attempts, priority, queue`);
    await addQueueEntries(tx, inserted);
    return inserted.map((row) => Number(row.id)).sort((a, b) => a - b);
  });
}

/**
 * Adds graphile-worker entries for job rows, one `add_jobs` call for all of them. Each entry is keyed
 * `job:<id>`: if an entry with that key is still locked by a worker, graphile-worker clears its key
 * and the new one takes it over.
 */
export async function addQueueEntries(tx: DbOrTx, rows: QueuedRow[]): Promise<void> {
  const specs = rows.map((row) => ({
    identifier: row.task,
    payload: { jobId: Number(row.id) },
    run_at: row.run_at,
    max_attempts: row.max_attempts,
    job_key: queueJobKey(Number(row.id)),
    priority: queuePriority[row.priority],
    flags: [queueFlag(row.queue)],
  }));
  await tx.execute(sql`
    select 1 from graphile_worker.add_jobs(array(
      select row(s.identifier, s.payload, null, s.run_at, s.max_attempts, s.job_key, s.priority, s.flags)::graphile_worker.job_spec
      from json_to_recordset(${JSON.stringify(specs)}::json)
        as s(identifier text, payload json, run_at timestamptz, max_attempts int, job_key text, priority int, flags text[])
    ))`);
}

/** A job row as the queue entry needs it; raw values from postgres.js (bigint ids arrive as strings). */
export interface QueuedRow extends Record<string, unknown> {
  id: string | number;
  task: string;
  run_at: string;
  max_attempts: number;
  priority: JobPriority;
  queue: string;
}
