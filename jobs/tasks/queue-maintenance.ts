import { sql } from 'drizzle-orm';
import type { CleanupTask } from 'graphile-worker';
import { z } from 'zod';
import { taskCatalogue } from '../catalogue';
import { defineTask } from '../task';

const maintainedTables = ['jobs', 'job_logs', 'audit_events', 'users', 'workers'] as const;

/** Admin housekeeping: graphile-worker's cleanup, then ANALYZE and a size report of the console's tables. */
export const queueMaintenanceTask = defineTask({
  name: 'queue-maintenance',
  title: 'Queue maintenance',
  description: "Removes permanently failed entries and unused task and queue names from graphile-worker's tables, refreshes the planner statistics of the console's tables and reports their sizes. The job history itself is not touched.",
  category: 'Administration',
  launchableBy: 'admin',
  defaultPriority: 'low',
  queue: 'maintenance',
  maxAttempts: 1,
  schema: z.object({
    deletePermanentlyFailed: z.boolean().default(true).meta({ title: "Delete permanently failed entries from graphile-worker's queue" }),
    collectUnusedNames: z.boolean().default(true).meta({ title: 'Remove unused task and queue names' }),
    analyze: z.boolean().default(true).meta({ title: 'Refresh planner statistics (ANALYZE)' }),
  }),
  async run({ payload, log, progress, db, workerUtils, signal }) {
    const cleanup: CleanupTask[] = [];
    if (payload.deletePermanentlyFailed) cleanup.push('DELETE_PERMAFAILED_JOBS');
    if (payload.collectUnusedNames) cleanup.push('GC_TASK_IDENTIFIERS', 'GC_JOB_QUEUES');
    if (cleanup.length > 0) {
      await progress(0.1, 'Cleaning up the queue tables');
      // Running workers cache the ids of their task identifiers: collecting the catalogue's own
      // names would leave every worker unable to see new jobs of those tasks until restarted.
      await workerUtils.cleanup({ tasks: cleanup, taskIdentifiersToKeep: taskCatalogue.map((task) => task.name) });
      await log('info', `graphile-worker cleanup done: ${cleanup.join(', ')}.`);
    }
    if (payload.analyze) {
      for (const [index, table] of maintainedTables.entries()) {
        signal.throwIfAborted();
        await progress(0.2 + (0.6 * index) / maintainedTables.length, `ANALYZE ${table}`);
        await db.execute(sql.raw(`analyze ${table}`));
      }
      await log('info', `Planner statistics refreshed for ${maintainedTables.length} tables.`);
    }
    await progress(0.9, 'Measuring tables');
    const sizes = await db.execute<{ table: string; rows: number; bytes: number }>(sql`
      select c.relname as "table", greatest(c.reltuples, 0)::bigint::float8 as rows, pg_total_relation_size(c.oid)::float8 as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and c.relname = any(${sql.param([...maintainedTables])}::text[])
      order by c.relname`);
    return { cleanup, analyzed: payload.analyze, tables: [...sizes] };
  },
});
