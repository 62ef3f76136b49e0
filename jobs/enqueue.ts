import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import type { JobOrigin, JobPriority } from '@/db/schema';
import { splitSecrets } from './secrets';
import type { TaskDefinition } from './task';

/** A job to create; the payload has already been parsed by the task's schema. */
export interface EnqueueRequest {
  task: TaskDefinition;
  /** The whole arguments, secret ones included: they are stored apart (jobs/secrets.ts). */
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
  /** An API launch's `Idempotency-Key`: at most one job per owner and key (the index jobs_idempotency_idx). */
  idempotencyKey?: string;
}

/** graphile-worker runs lower numbers first. */
export const queuePriority: Record<JobPriority, number> = { critical: -20, high: -10, normal: 0, low: 10 };

/** graphile-worker's job key for one of our jobs: lets us find or remove its queue entry later. */
const JOB_KEY_PREFIX = 'job:';
export function queueJobKey(jobId: number): string {
  return `${JOB_KEY_PREFIX}${jobId}`;
}

/** The flag a job carries for its queue; a paused queue forbids it. */
const QUEUE_FLAG_PREFIX = 'queue:';
export function queueFlag(queue: string): string {
  return `${QUEUE_FLAG_PREFIX}${queue}`;
}

/**
 * The rows of `requests` as `jobs` takes them, with the secret arguments masked (the title and the
 * related link are made from the masked ones too, so they cannot show a secret), and the secret
 * values of the rows that have any, by their 1-based position.
 */
function jobRows(requests: EnqueueRequest[]) {
  const now = Date.now();
  const secrets: { ord: number; payload: Record<string, unknown> }[] = [];
  const rows = requests.map((request, index) => {
    const { task } = request;
    const { shown: payload, secrets: secretValues } = splitSecrets(task, request.payload);
    if (secretValues) secrets.push({ ord: index + 1, payload: secretValues });
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
      max_attempts: task.maxAttemptsFor?.(request.payload) ?? task.maxAttempts,
      run_at: runAt.toISOString(),
      retry_of: request.retryOf ?? null,
      schedule_id: request.scheduleId ?? null,
      idempotency_key: request.idempotencyKey ?? null,
    };
  });
  return { rows, secrets };
}

/**
 * Parts of one statement that creates jobs: `inserted`, a CTE inserting our rows (only where
 * `condition` holds, e.g. the task is active), and `queued`, one that adds their graphile-worker
 * entries. The rows travel as one JSON parameter, so a batch of any size stays under PostgreSQL's
 * limit of 65,535 parameters; ids come from the identity in insertion order, which follows
 * `ordinality`, so sorted they match the requests one to one. A statement is atomic: all of it
 * exists afterwards or none of it does. The caller's statement must read `queued`, or it does not run.
 */
export function insertJobsCtes(requests: EnqueueRequest[], condition: SQL = sql`true`): SQL {
  const { rows, secrets } = jobRows(requests);
  // A row whose owner already has a job with its idempotency key is not inserted (nor queued, nor
  // audited, which follow `inserted`); a concurrent twin waits on the index, then inserts nothing.
  const onConflict = requests.some((request) => request.idempotencyKey !== undefined)
    ? sql`on conflict (owner_id, idempotency_key) where idempotency_key is not null do nothing`
    : sql``;
  // A data-modifying CTE runs whether or not the statement reads it. The new ids, sorted, follow
  // the rows' order (see above), so the n-th smallest is the job of the n-th row.
  const secretsKept =
    secrets.length === 0
      ? sql``
      : sql`,
    secrets_kept as (
      insert into job_secrets (job_id, payload)
      select i.id, s.payload
      from (select id, row_number() over (order by id) as ord from inserted) as i
      join jsonb_to_recordset(${JSON.stringify(secrets)}::jsonb) as s(ord bigint, payload jsonb) on s.ord = i.ord
    )`;
  return sql`
    inserted as (
      insert into jobs (task, title, status, priority, queue, payload, origin, owner_id, os_user, related_url, max_attempts, run_at, retry_of, schedule_id, idempotency_key)
      select r.task, r.title, r.status::job_status, r.priority::job_priority, r.queue, r.payload, r.origin::job_origin,
             r.owner_id, r.os_user, r.related_url, r.max_attempts, r.run_at, r.retry_of, r.schedule_id, r.idempotency_key
      from rows from (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as (
        task text, title text, status text, priority text, queue text, payload jsonb, origin text, owner_id uuid,
        os_user text, related_url text, max_attempts int, run_at timestamptz, retry_of bigint, schedule_id bigint, idempotency_key text))
        with ordinality as r(task, title, status, priority, queue, payload, origin, owner_id, os_user, related_url, max_attempts, run_at, retry_of, schedule_id, idempotency_key, ord)
      where ${condition}
      order by r.ord
      ${onConflict}
      returning id, task, run_at, max_attempts, priority, queue
    ),
    queued as (select ${queueEntriesOf(sql`inserted as q`)} as entries)${secretsKept}`;
}

/**
 * The one way to create jobs, in one statement: our `jobs` rows, then their graphile-worker entries
 * through `graphile_worker.add_jobs`. Returns the new ids in the order of `requests`.
 */
export async function enqueueJobs(db: DbOrTx, requests: EnqueueRequest[]): Promise<number[]> {
  if (requests.length === 0) return [];
  const [row] = await db.execute<{ ids: string[] | null }>(sql`
    with ${insertJobsCtes(requests)}
    select (select array_agg(id order by id)::text[] from inserted) as ids, (select entries from queued) as entries`);
  return (row?.ids ?? []).map(Number);
}

/**
 * `graphile_worker.add_jobs` for the job rows of `relation`, aliased `q` (columns id, task, run_at,
 * max_attempts, priority, queue), as an expression: the number of entries added. Each entry is keyed `job:<id>`
 * (queueJobKey): if an entry with that key is still locked by a worker, graphile-worker clears its
 * key and the new one takes it over. Priority and queue flag as queuePriority and queueFlag say.
 */
function queueEntriesOf(relation: SQL): SQL {
  const priority = sql.join(
    Object.entries(queuePriority).map(([name, value]) => sql`when ${name} then ${sql.raw(String(value))}`),
    sql` `,
  );
  return sql`(select count(*) from graphile_worker.add_jobs(array(
    select row(q.task, json_build_object('jobId', q.id), null, q.run_at, q.max_attempts, ${JOB_KEY_PREFIX} || q.id,
               case q.priority::text ${priority} end, array[${QUEUE_FLAG_PREFIX} || q.queue])::graphile_worker.job_spec
    from ${relation}
  )))`;
}

/** Adds graphile-worker entries for job rows that exist already (handing a job back, requeueing it). */
export async function addQueueEntries(tx: DbOrTx, rows: QueuedRow[]): Promise<void> {
  const relation = sql`jsonb_to_recordset(${JSON.stringify(rows.map((row) => ({ ...row, id: Number(row.id) })))}::jsonb)
    as q(id bigint, task text, run_at timestamptz, max_attempts int, priority text, queue text)`;
  await tx.execute(sql`select ${queueEntriesOf(relation)}`);
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
