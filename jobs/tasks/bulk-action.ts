import { runBulk } from '../bulk';
import { bulkActionNames } from '../bulk-names';
import { bulkRequestSchema } from '../bulk-request';
import { isFiltered } from '../filters';
import { defineTask } from '../task';

/**
 * A bulk action too large for one request, run in the background with its own progress. It acts
 * with the permissions of whoever launched it (the same checks as a single action), so launching
 * it by hand grants nothing.
 */
export const bulkActionTask = defineTask({
  name: 'bulk-action',
  title: 'Bulk action',
  description: 'Applies one action (cancel, stop, retry, change priority, clear) to many jobs, in batches, with progress.',
  category: 'Operations',
  launchableBy: 'user',
  hidden: true,
  defaultPriority: 'high',
  queue: 'bulk',
  maxAttempts: 1,
  schema: bulkRequestSchema,
  describe: (request) =>
    `${bulkActionNames[request.action]}${request.priority ? ` to ${request.priority}` : ''}: ${request.ids ? `${request.ids.length} selected jobs` : `every job on the ${request.filter!.tab} tab${isFiltered(request.filter!) ? ', filtered' : ''}`}`,
  async run({ payload, launchedBy, db, log, progress }) {
    const source = { origin: launchedBy.kind === 'cli' ? ('cli' as const) : ('web' as const) };
    const result = await runBulk(db, launchedBy, payload, source, (done, total) => progress(total === 0 ? 1 : done / total, `${done} of ${total} jobs`));
    await log(result.skipped > 0 ? 'warning' : 'info', `${bulkActionNames[payload.action]}: ${result.touched} jobs done, ${result.skipped} skipped (their state changed meanwhile).`);
    return result;
  },
});
