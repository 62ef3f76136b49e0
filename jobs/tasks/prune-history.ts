import { and, asc, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { inactiveJobStatuses, jobs } from '@/db/schema';
import { env } from '@/lib/env';
import { recordAudit } from '../audit';
import { defineTask } from '../task';

/**
 * Retention: deletes ended jobs (completed, failed, cancelled) that finished more than N days ago,
 * with their logs and files (foreign keys cascade), in batches so that no transaction grows large.
 * Cleared jobs stay in the history until then. Active jobs are never touched. One audit row, with
 * the count; the audit trail itself is never pruned.
 */
export const pruneHistoryTask = defineTask({
  name: 'prune-history',
  title: 'Prune old history',
  description: 'Deletes jobs that ended more than the given number of days ago, with their logs and files, in batches. Jobs still waiting or running are kept, whatever their age. The audit trail is kept.',
  category: 'Administration',
  launchableBy: 'admin',
  defaultPriority: 'low',
  queue: 'maintenance',
  maxAttempts: 1,
  schema: z.object({
    olderThanDays: z
      .int({ error: 'Enter a whole number of days' })
      .min(1, 'At least 1 day')
      .max(36_500, 'At most 36,500 days')
      .default(() => env().JOB_RETENTION_DAYS)
      .meta({ title: 'Keep (days)', description: 'Jobs that ended longer ago than this are deleted. The default is the JOB_RETENTION_DAYS setting.' }),
    batchSize: z
      .int({ error: 'Enter a whole number' })
      .min(10, 'At least 10')
      .max(10_000, 'At most 10,000')
      .default(1000)
      .meta({ title: 'Batch size', description: 'Jobs deleted per transaction.' }),
  }),
  describe: ({ olderThanDays }) => `Prune history older than ${olderThanDays} days`,
  steps: () => ['Counting', 'Deleting'],
  async run({ payload, db, log, progress, signal, launchedBy, job }) {
    await progress(0, 'Counting');
    const cutoff = new Date(Date.now() - payload.olderThanDays * 86_400_000);
    const old = and(inArray(jobs.status, [...inactiveJobStatuses]), sql`coalesce(${jobs.finishedAt}, ${jobs.updatedAt}) < ${cutoff.toISOString()}::timestamptz`, sql`${jobs.id} <> ${job.id}`);
    const total = await db.$count(jobs, old);
    await log('info', `${total} jobs ended before ${cutoff.toISOString()}; deleting them in batches of ${payload.batchSize}.`);
    let deleted = 0;
    while (!signal.aborted) {
      const removed = await db.transaction(async (tx) => {
        const batch = await tx.select({ id: jobs.id }).from(jobs).where(old).orderBy(asc(jobs.id)).limit(payload.batchSize).for('update', { skipLocked: true });
        if (batch.length === 0) return 0;
        const ids = batch.map((row) => row.id);
        // A retry keeps its own history; it just no longer points at a job that is gone.
        await tx.update(jobs).set({ retryOf: null }).where(inArray(jobs.retryOf, ids));
        await tx.delete(jobs).where(inArray(jobs.id, ids));
        return ids.length;
      });
      if (removed === 0) break;
      deleted += removed;
      await progress(total === 0 ? 1 : Math.min(1, deleted / total), 'Deleting');
    }
    await recordAudit(db, {
      viewer: launchedBy,
      action: 'jobs.prune',
      source: { origin: launchedBy.kind === 'cli' ? 'cli' : 'web' },
      jobCount: deleted,
      details: { olderThanDays: payload.olderThanDays, cutoff: cutoff.toISOString(), stopped: signal.aborted },
    });
    await log('info', `Deleted ${deleted} jobs with their logs and files.`);
    return { olderThanDays: payload.olderThanDays, cutoff: cutoff.toISOString(), deleted };
  },
});
