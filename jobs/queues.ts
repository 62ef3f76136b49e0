import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '@/db/client';
import { activeJobStatuses, jobLogs, jobs, queuePauses, type JobPriority } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import { taskCatalogue } from './catalogue';
import type { AuditOptions } from './control';
import { queueFlag, queueJobKey, queuePriority } from './enqueue';
import { ForbiddenError, NotFoundError, ValidationError } from './errors';
import { canManageQueues, controllableJobs } from './permissions';
import { viewerLabel, type Viewer } from './viewer';

/**
 * Queues and priorities, for admins (and the command line): pause, resume and purge a queue;
 * change a waiting job's priority; see the line of waiting jobs in the order workers will take
 * them. Every task runs in a named queue; each job carries its queue's flag, and workers refuse
 * the flags of paused queues (graphile-worker's forbiddenFlags).
 */

const waitingStatuses = ['scheduled', 'queued', 'retrying'] as const;

/** The queues tasks run in, and any other queue that still has active jobs. */
export async function knownQueues(db: DbOrTx): Promise<string[]> {
  const fromJobs = await db
    .selectDistinct({ queue: jobs.queue })
    .from(jobs)
    .where(inArray(jobs.status, [...activeJobStatuses]));
  return [...new Set([...taskCatalogue.map((task) => task.queue), ...fromJobs.map((row) => row.queue)])].sort();
}

const queueName = z.string().trim().min(1, 'Name a queue').max(100, 'At most 100 characters').regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'Not a queue name');

async function checkQueue(db: DbOrTx, viewer: Viewer, raw: unknown): Promise<string> {
  if (!canManageQueues(viewer)) throw new ForbiddenError('Only administrators manage queues.');
  const parsed = queueName.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, { queue: parsed.error.issues.map((issue) => issue.message) });
  if (!(await knownQueues(db)).includes(parsed.data)) throw new ValidationError(`There is no queue "${parsed.data}".`, { queue: ['Unknown queue'] });
  return parsed.data;
}

export async function pausedQueues(db: DbOrTx): Promise<string[]> {
  const rows = await db.select({ queue: queuePauses.queue }).from(queuePauses).orderBy(queuePauses.queue);
  return rows.map((row) => row.queue);
}

/** Where workers hear, on commit, that a queue was paused or resumed (they cache the list). */
export const QUEUE_PAUSES_CHANNEL = 'jobs_console_queue_pauses';

async function announcePauses(tx: DbOrTx, queue: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${QUEUE_PAUSES_CHANNEL}, ${queue})`);
}

/** Pauses a queue: its waiting jobs stay in line, and no worker starts one until it is resumed. */
export async function pauseQueue(db: DbOrTx, viewer: Viewer, queue: unknown, source: ActionSource): Promise<void> {
  const name = await checkQueue(db, viewer, queue);
  await db.transaction(async (tx) => {
    const added = await tx
      .insert(queuePauses)
      .values({ queue: name, pausedBy: viewer.kind === 'person' ? viewer.id : null })
      .onConflictDoNothing()
      .returning({ queue: queuePauses.queue });
    if (added.length === 0) return;
    await recordAudit(tx, { viewer, action: 'queue.pause', source, details: { queue: name } });
    await announcePauses(tx, name);
  });
}

export async function resumeQueue(db: DbOrTx, viewer: Viewer, queue: unknown, source: ActionSource): Promise<void> {
  const name = await checkQueue(db, viewer, queue);
  await db.transaction(async (tx) => {
    const removed = await tx.delete(queuePauses).where(eq(queuePauses.queue, name)).returning({ queue: queuePauses.queue });
    if (removed.length === 0) return;
    await recordAudit(tx, { viewer, action: 'queue.resume', source, details: { queue: name } });
    await announcePauses(tx, name);
  });
}

/**
 * Purges a queue: every job waiting in it (scheduled, queued, retrying) leaves graphile-worker and
 * ends `cancelled`; running jobs are left alone. One transaction; returns how many were cancelled.
 */
export async function purgeQueue(db: DbOrTx, viewer: Viewer, queue: unknown, source: ActionSource): Promise<number> {
  const name = await checkQueue(db, viewer, queue);
  const by = viewerLabel(viewer);
  return db.transaction(async (tx) => {
    // Entries a worker has already locked stay (their job is about to run, not waiting).
    const removed = await tx.execute<{ id: string }>(sql`
      with waiting as (
        select id from jobs where queue = ${name} and status in ('scheduled', 'queued', 'retrying') for update
      ), gone as (
        delete from graphile_worker._private_jobs q
        using waiting w
        where q.key = 'job:' || w.id and q.locked_at is null
        returning w.id
      )
      update jobs j set status = 'cancelled', finished_at = now(), updated_at = now(), cancel_requested_at = now(),
        cancel_requested_by = ${viewer.kind === 'person' ? viewer.id : null}, message = ${`Cancelled: queue ${name} purged by ${by}.`}
      from gone where j.id = gone.id
      returning j.id`);
    const ids = removed.map((row) => Number(row.id));
    if (ids.length > 0) {
      await tx.insert(jobLogs).values(ids.map((jobId) => ({ jobId, level: 'warning' as const, attempt: 0, message: `Cancelled before it ran: queue ${name} purged by ${by}.` })));
    }
    await recordAudit(tx, { viewer, action: 'queue.purge', source, jobIds: ids, jobCount: ids.length, details: { queue: name } });
    return ids.length;
  });
}

/** Changes the priority of a waiting job, in our row and in graphile-worker's line. */
export async function changePriority(db: DbOrTx, viewer: Viewer, id: number, priority: JobPriority, source: ActionSource, options: AuditOptions = {}): Promise<void> {
  if (!canManageQueues(viewer)) throw new ForbiddenError('Only administrators change priorities.');
  await db.transaction(async (tx) => {
    const [job] = await tx
      .select({ status: jobs.status, priority: jobs.priority })
      .from(jobs)
      .where(and(eq(jobs.id, id), controllableJobs(viewer)))
      .for('update');
    if (!job) throw new NotFoundError();
    if (!(waitingStatuses as readonly string[]).includes(job.status)) throw new ValidationError(`Job ${id} is ${job.status}: only a waiting job’s priority can change.`);
    if (job.priority === priority) return;
    const moved = await tx.execute(sql`
      select id from graphile_worker.reschedule_jobs(
        array(select id from graphile_worker.jobs where key = ${queueJobKey(id)}), priority => ${queuePriority[priority]}::int)`);
    if (moved.length === 0) throw new ValidationError(`Job ${id} has just been taken by a worker; its priority can no longer change.`);
    await tx.update(jobs).set({ priority, updatedAt: sql`now()` }).where(eq(jobs.id, id));
    await tx.insert(jobLogs).values({ jobId: id, level: 'info', attempt: 0, message: `Priority changed from ${job.priority} to ${priority} by ${viewerLabel(viewer)}.` });
    if (options.audit !== false) await recordAudit(tx, { viewer, action: 'job.priority', source, jobIds: [id], details: { from: job.priority, to: priority } });
  });
}

/** graphile-worker's entries that a worker could take now (due, unlocked, attempts left, queue not paused). */
function runnableEntry(alias: 'q' | 'o', pausedFlags: string) {
  const t = sql.raw(alias);
  return sql`${t}.locked_at is null and ${t}.attempts < ${t}.max_attempts and ${t}.run_at <= now()
    and not jsonb_exists_any(coalesce(${t}.flags, '{}'::jsonb), array(select jsonb_array_elements_text(${pausedFlags}::jsonb)))`;
}

async function pausedFlagsJson(db: DbOrTx): Promise<string> {
  return JSON.stringify((await pausedQueues(db)).map(queueFlag));
}

export interface WaitingJob {
  id: number;
  title: string;
  task: string;
  queue: string;
  priority: JobPriority;
  position: number;
}

/** The first `limit` jobs in line, in the order workers will take them (priority, then due time). */
export async function jobsInLine(db: DbOrTx, limit = 100): Promise<WaitingJob[]> {
  const paused = await pausedFlagsJson(db);
  const rows = await db.execute<{ id: string; title: string; task: string; queue: string; priority: JobPriority; position: string }>(sql`
    select j.id, j.title, j.task, j.queue, j.priority, row_number() over (order by q.priority, q.run_at, q.id) as position
    from graphile_worker.jobs q
    join jobs j on j.id = substr(q.key, 5)::bigint
    where q.key like 'job:%' and ${runnableEntry('q', paused)}
    order by q.priority, q.run_at, q.id
    limit ${limit}`);
  return rows.map((row) => ({ ...row, id: Number(row.id), position: Number(row.position) }));
}

/** Where a waiting job stands in line (1 = next), with how many are in line; null when it is not in line. */
export async function positionInLine(db: DbOrTx, jobId: number): Promise<{ position: number; of: number } | null> {
  const paused = await pausedFlagsJson(db);
  const [row] = await db.execute<{ position: string; of: string }>(sql`
    select
      (select count(*) from graphile_worker.jobs o where ${runnableEntry('o', paused)} and (o.priority, o.run_at, o.id) < (q.priority, q.run_at, q.id)) + 1 as position,
      (select count(*) from graphile_worker.jobs o where ${runnableEntry('o', paused)}) as of
    from graphile_worker.jobs q
    where q.key = ${queueJobKey(jobId)} and ${runnableEntry('q', paused)}`);
  return row ? { position: Number(row.position), of: Number(row.of) } : null;
}

export interface QueueSummary {
  queue: string;
  paused: boolean;
  waiting: number;
  running: number;
  /** When the longest-waiting job was queued. */
  oldestWaitingSince: Date | null;
}

export async function queueSummaries(db: DbOrTx): Promise<QueueSummary[]> {
  const [names, paused, counts] = await Promise.all([
    knownQueues(db),
    pausedQueues(db),
    db
      .select({
        queue: jobs.queue,
        waiting: sql<number>`count(*) filter (where ${jobs.status} in ('scheduled', 'queued', 'retrying'))::int`,
        running: sql<number>`count(*) filter (where ${jobs.status} = 'running')::int`,
        oldest: sql<string | null>`min(${jobs.createdAt}) filter (where ${jobs.status} in ('queued', 'retrying'))`,
      })
      .from(jobs)
      .where(inArray(jobs.status, [...activeJobStatuses]))
      .groupBy(jobs.queue),
  ]);
  return names.map((queue) => {
    const count = counts.find((row) => row.queue === queue);
    return {
      queue,
      paused: paused.includes(queue),
      waiting: count?.waiting ?? 0,
      running: count?.running ?? 0,
      oldestWaitingSince: count?.oldest ? new Date(count.oldest) : null,
    };
  });
}
