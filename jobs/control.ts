import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { jobLogs, jobs, jobSecrets, type JobStatus } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import { findTask } from './catalogue';
import { enqueueJobs, queueJobKey } from './enqueue';
import { ForbiddenError, NotFoundError, ValidationError } from './errors';
import { canControlJobs, canLaunchTask, controllableJobs } from './permissions';
import { joinSecrets } from './secrets';
import { isTaskActive, taskInactiveMessage } from './task-settings';
import { viewerLabel, type Viewer } from './viewer';

/**
 * Cancelling, stopping and retrying jobs. Each action locks the job's row, checks what it may do
 * from the row's state, changes it, logs a line on the job and writes the audit row, all in one
 * transaction. Workers hear about stops on the `job_stop` channel (NOTIFY, sent at commit).
 */

/** The channel workers LISTEN on; the payload is `{ "id": <job id>, "mode": "graceful" | "force" }`. */
export const JOB_STOP_CHANNEL = 'job_stop';

export type StopMode = 'graceful' | 'force';

/** A bulk action writes one audit row for all its jobs, and asks each job's action not to. */
export interface AuditOptions {
  audit?: boolean;
}

const waitingStatuses: JobStatus[] = ['scheduled', 'queued', 'retrying'];
const retryableStatuses: JobStatus[] = ['failed', 'cancelled'];

export type ControlOutcome =
  /** Removed from the queue before it ran: now `cancelled`. */
  | 'cancelled'
  /** Running: asked to stop at its next step (or just picked up by a worker, which will not run it). */
  | 'stop-requested'
  /** Running: marked `cancelled` at once; its worker abandons it. */
  | 'force-stopped';

/** What each outcome means, in words, for the page and the command line. */
export const controlOutcomeMessages: Record<ControlOutcome, string> = {
  cancelled: 'Cancelled: the job will not run.',
  'stop-requested': 'Stop requested: the job stops at its next step.',
  'force-stopped': 'Force-stopped: the job is cancelled.',
};

interface LockedJob {
  id: number;
  status: JobStatus;
  attempts: number;
  cancelRequestedAt: Date | null;
}

async function lockJob(tx: DbOrTx, viewer: Viewer, id: number): Promise<LockedJob> {
  if (!canControlJobs(viewer)) throw new ForbiddenError('Auditors cannot change jobs.');
  const [job] = await tx
    .select({ id: jobs.id, status: jobs.status, attempts: jobs.attempts, cancelRequestedAt: jobs.cancelRequestedAt })
    .from(jobs)
    .where(and(eq(jobs.id, id), controllableJobs(viewer)))
    .for('update');
  if (!job) throw new NotFoundError();
  return job;
}

async function logLine(tx: DbOrTx, job: LockedJob, level: 'info' | 'warning', message: string) {
  await tx.insert(jobLogs).values({ jobId: job.id, level, attempt: job.attempts, message });
}

async function notifyStop(tx: DbOrTx, id: number, mode: StopMode) {
  await tx.execute(sql`select pg_notify(${JOB_STOP_CHANNEL}, ${JSON.stringify({ id, mode })})`);
}

/**
 * Cancels a job: a waiting one leaves graphile-worker's queue and ends `cancelled`; one a worker
 * has already picked up is stopped instead (gracefully, or at once with `mode: 'force'`).
 */
export async function cancelJob(
  db: DbOrTx,
  viewer: Viewer,
  id: number,
  source: ActionSource,
  mode: StopMode = 'graceful',
  options: AuditOptions = {},
): Promise<ControlOutcome> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, viewer, id);
    if (job.status === 'running') return stopLocked(tx, viewer, job, mode, source, options);
    if (!waitingStatuses.includes(job.status)) {
      throw new ValidationError(`Job ${id} has already ended (${job.status}); there is nothing to cancel.`);
    }
    const [entry] = await tx.execute<{ locked_at: Date | null }>(sql`select locked_at from graphile_worker.remove_job(${queueJobKey(id)})`);
    if (entry?.locked_at) {
      // A worker took it between our lock and now: remove_job kept its entry (without retries);
      // the worker sees the request when it marks the job running, and does not run it.
      return stopLocked(tx, viewer, job, mode, source, options);
    }
    const by = viewerLabel(viewer);
    await tx
      .update(jobs)
      .set({
        status: 'cancelled',
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
        cancelRequestedAt: sql`now()`,
        cancelRequestedBy: viewer.kind === 'person' ? viewer.id : null,
        message: `Cancelled by ${by} before it ran.`,
      })
      .where(eq(jobs.id, id));
    await logLine(tx, job, 'warning', `Cancelled by ${by} before it ran; removed from the queue.`);
    if (options.audit !== false) await recordAudit(tx, { viewer, action: 'job.cancel', source, jobIds: [id] });
    return 'cancelled';
  });
}

/** Stops a running job: `graceful` fires its abort signal; `force` also ends it `cancelled` at once. */
export async function stopJob(db: DbOrTx, viewer: Viewer, id: number, mode: StopMode, source: ActionSource, options: AuditOptions = {}): Promise<ControlOutcome> {
  return db.transaction(async (tx) => {
    const job = await lockJob(tx, viewer, id);
    if (job.status !== 'running') {
      if (waitingStatuses.includes(job.status)) throw new ValidationError(`Job ${id} is not running yet (${job.status}): cancel it instead.`);
      throw new ValidationError(`Job ${id} has already ended (${job.status}); there is nothing to stop.`);
    }
    return stopLocked(tx, viewer, job, mode, source, options);
  });
}

async function stopLocked(tx: DbOrTx, viewer: Viewer, job: LockedJob, mode: StopMode, source: ActionSource, options: AuditOptions): Promise<ControlOutcome> {
  const by = viewerLabel(viewer);
  const requester = { cancelRequestedAt: sql`coalesce(${jobs.cancelRequestedAt}, now())`, cancelRequestedBy: viewer.kind === 'person' ? viewer.id : null };
  if (mode === 'graceful') {
    await tx
      .update(jobs)
      .set({ ...requester, updatedAt: sql`now()`, message: `Stop requested by ${by}; the job stops at its next step.` })
      .where(eq(jobs.id, job.id));
    await logLine(tx, job, 'warning', `Stop requested by ${by} (graceful): the task is told to stop at its next step.`);
  } else {
    await tx
      .update(jobs)
      .set({ ...requester, status: 'cancelled', finishedAt: sql`now()`, updatedAt: sql`now()`, message: `Force-stopped by ${by}.` })
      .where(eq(jobs.id, job.id));
    await logLine(tx, job, 'warning', `Force-stopped by ${by}: the job is cancelled at once and its worker abandons it; nothing it does now is recorded.`);
  }
  await notifyStop(tx, job.id, mode);
  if (options.audit !== false) await recordAudit(tx, { viewer, action: mode === 'graceful' ? 'job.stop' : 'job.force_stop', source, jobIds: [job.id] });
  return mode === 'graceful' ? 'stop-requested' : 'force-stopped';
}

/**
 * Retries a failed or cancelled job: a new job with the same task, arguments, owner and origin
 * (so that the same people see it), linked to the original by `retry_of`. Refused while an admin has
 * turned the task off. Returns the new job's id.
 */
export async function retryJob(db: DbOrTx, viewer: Viewer, id: number, source: ActionSource, options: AuditOptions = {}): Promise<number> {
  return db.transaction(async (tx) => {
    await lockJob(tx, viewer, id);
    const [original] = await tx
      .select({
        task: jobs.task,
        status: jobs.status,
        payload: jobs.payload,
        // The retry runs with the same secret arguments (stored apart again by enqueueJobs).
        secrets: jobSecrets.payload,
        origin: jobs.origin,
        ownerId: jobs.ownerId,
        osUser: jobs.osUser,
        priority: jobs.priority,
      })
      .from(jobs)
      .leftJoin(jobSecrets, eq(jobSecrets.jobId, jobs.id))
      .where(eq(jobs.id, id));
    if (!original) throw new NotFoundError();
    if (!retryableStatuses.includes(original.status)) {
      throw new ValidationError(`Job ${id} is ${original.status}: only failed or cancelled jobs can be retried.`);
    }
    const task = findTask(original.task);
    if (!task) throw new ValidationError(`The task "${original.task}" no longer exists, so job ${id} cannot be retried.`);
    if (!canLaunchTask(viewer, task.launchableBy)) throw new ForbiddenError(`You cannot launch "${task.title}".`);
    // A retry is a new launch: refused like one, but as a ValidationError so that a bulk retry skips the job.
    if (!(await isTaskActive(tx, task.name))) throw new ValidationError(taskInactiveMessage(task));
    const [retryId] = await enqueueJobs(tx, [
      { task, payload: joinSecrets(original.payload, original.secrets), origin: original.origin, ownerId: original.ownerId, osUser: original.osUser, priority: original.priority, retryOf: id },
    ]);
    await tx.insert(jobLogs).values({ jobId: id, level: 'info', attempt: 0, message: `Retried by ${viewerLabel(viewer)} as job ${retryId}.` });
    if (options.audit !== false) await recordAudit(tx, { viewer, action: 'job.retry', source, jobIds: [id, retryId!], details: { retryId } });
    return retryId!;
  });
}
