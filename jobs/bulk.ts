import crypto from 'node:crypto';
import { and, asc, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { jobs, type JobPriority } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import type { BulkAction } from './bulk-names';
import type { BulkRequest } from './bulk-request';
import { cancelJob, retryJob, stopJob } from './control';
import { ForbiddenError, NotFoundError, ValidationError } from './errors';
import { canControlJobs, canManageQueues, clearableJobs, controllableJobs, listedJobs } from './permissions';
import { filterCondition } from './filters';
import { changePriority } from './queues';
import type { Viewer } from './viewer';

/**
 * Bulk actions: one action on a selection of jobs (ids) or on everything a view of the jobs page
 * matches (its filter). The preview counts the jobs the action will really touch (those the viewer
 * may act on and whose state allows it); running applies the single-job action to each, in id
 * order, and writes one audit row with the filter or ids and how many jobs it touched. Large sets
 * run as a background job (the `bulk-action` task), with its own progress.
 */

export { bulkActionNames, bulkActions, type BulkAction } from './bulk-names';

/** Above this many jobs, a bulk action runs as a background job rather than in the request. */
export const BULK_INLINE_LIMIT = 200;
export { bulkRequestSchema, type BulkRequest } from './bulk-request';

/** The state a job must be in for the action to apply. */
const stateFor: Record<BulkAction, SQL> = {
  cancel: inArray(jobs.status, ['scheduled', 'queued', 'retrying']),
  stop: and(inArray(jobs.status, ['running']), isNull(jobs.cancelRequestedAt))!,
  'force-stop': inArray(jobs.status, ['running']),
  retry: inArray(jobs.status, ['failed', 'cancelled']),
  priority: inArray(jobs.status, ['scheduled', 'queued', 'retrying']),
  clear: sql`true`,
};

function checkAllowed(viewer: Viewer, request: BulkRequest): void {
  if (!canControlJobs(viewer)) throw new ForbiddenError('Auditors cannot change jobs.');
  if (request.action === 'priority' && !canManageQueues(viewer)) throw new ForbiddenError('Only administrators change priorities.');
}

/** The jobs the request names and the viewer may act on, in the state the action needs. */
function targetCondition(viewer: Viewer, request: BulkRequest): SQL | undefined {
  const allowed = request.action === 'clear' ? clearableJobs(viewer) : controllableJobs(viewer);
  const scope = request.ids ? inArray(jobs.id, request.ids) : and(listedJobs(viewer), filterCondition(request.filter!));
  return and(allowed, scope, stateFor[request.action]);
}

/** How many jobs the request would touch now. */
export async function previewBulk(db: DbOrTx, viewer: Viewer, request: BulkRequest): Promise<number> {
  checkAllowed(viewer, request);
  return db.$count(jobs, targetCondition(viewer, request));
}

export interface BulkResult {
  touched: number;
  /** Jobs that changed state between the preview and their turn (finished, say), left alone. */
  skipped: number;
}

/**
 * Applies the action to every job the request matches, in batches of 100 by id, reporting progress
 * as a fraction. Each batch is one transaction with its own audit row (its jobs, and the bulk's id
 * and part number), each job in a savepoint of it: a process that dies in the middle leaves whole
 * batches done, each with its record, and nothing half-done without one. A bulk that finds nothing
 * to do records that too.
 */
export async function runBulk(
  db: DbOrTx,
  viewer: Viewer,
  request: BulkRequest,
  source: ActionSource,
  onProgress?: (done: number, total: number) => Promise<void> | void,
): Promise<BulkResult> {
  checkAllowed(viewer, request);
  const total = await previewBulk(db, viewer, request);
  const condition = targetCondition(viewer, request);
  const bulk = crypto.randomUUID();
  const audit = (tx: DbOrTx, ids: number[], skipped: number, part: number) =>
    recordAudit(tx, {
      viewer,
      action: `jobs.bulk_${request.action.replace('-', '_')}`,
      source,
      jobIds: ids,
      jobCount: ids.length,
      filter: request.filter ?? { ids: request.ids?.length ?? 0 },
      details: { skipped, bulk, part, ...(request.priority ? { priority: request.priority } : {}) },
    });
  let touched = 0;
  let skipped = 0;
  let after = 0;
  let part = 0;
  for (;;) {
    const batch = await db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(condition, gt(jobs.id, after)))
      .orderBy(asc(jobs.id))
      .limit(100);
    if (batch.length === 0) break;
    after = batch.at(-1)!.id;
    part++;
    const done = await db.transaction(async (tx) => {
      const ids: number[] = [];
      if (request.action === 'clear') {
        const cleared = await tx
          .update(jobs)
          .set({ clearedAt: sql`now()`, clearedBy: viewer.kind === 'person' ? viewer.id : null, updatedAt: sql`now()` })
          .where(and(condition, inArray(jobs.id, batch.map((job) => job.id)), inArray(jobs.status, ['completed', 'failed', 'cancelled']), isNull(jobs.clearedAt)))
          .returning({ id: jobs.id });
        ids.push(...cleared.map((job) => job.id));
      } else {
        for (const { id } of batch) {
          try {
            // A savepoint: a job whose state changed meanwhile is skipped, the batch goes on.
            await tx.transaction((job) => applyOne(job, viewer, request, id, source));
            ids.push(id);
          } catch (error) {
            if (!(error instanceof ValidationError || error instanceof NotFoundError)) throw error;
          }
        }
      }
      await audit(tx, ids, batch.length - ids.length, part);
      return ids.length;
    });
    touched += done;
    skipped += batch.length - done;
    await onProgress?.(touched + skipped, Math.max(total, touched + skipped));
  }
  if (part === 0) await audit(db, [], 0, 0);
  return { touched, skipped };
}

async function applyOne(db: DbOrTx, viewer: Viewer, request: BulkRequest, id: number, source: ActionSource): Promise<void> {
  const quiet = { audit: false };
  switch (request.action) {
    case 'cancel':
      await cancelJob(db, viewer, id, source, 'graceful', quiet);
      return;
    case 'stop':
      await stopJob(db, viewer, id, 'graceful', source, quiet);
      return;
    case 'force-stop':
      await stopJob(db, viewer, id, 'force', source, quiet);
      return;
    case 'retry':
      await retryJob(db, viewer, id, source, quiet);
      return;
    case 'priority':
      await changePriority(db, viewer, id, request.priority as JobPriority, source, quiet);
      return;
    case 'clear':
      throw new Error('clear is applied in batches');
  }
}
