import type { Metadata } from 'next';
import Link from 'next/link';
import { getDb } from '@/db/client';
import { BULK_INLINE_LIMIT, bulkActionNames, bulkRequestSchema, previewBulk } from '@/jobs/bulk';
import { ForbiddenError } from '@/jobs/errors';
import { filterQuery, isFiltered } from '@/jobs/filters';
import { requireViewer } from '@/lib/session';
import { runBulkAction } from './actions';

export const metadata: Metadata = { title: 'Confirm a bulk action' };

const tabNames = { all: 'All jobs', active: 'Active jobs', failed: 'Failed jobs' } as const;

/** The preview: what the action is, how many jobs it will touch, and a confirmation. */
export default async function BulkPreviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await requireViewer();
  const search = await searchParams;
  const one = (key: string) => (typeof search[key] === 'string' ? (search[key] as string) : undefined);
  const idsText = one('ids');
  const parsed = bulkRequestSchema.safeParse({
    action: one('action'),
    ids: idsText !== undefined ? idsText.split(',').map(Number) : undefined,
    filter: one('view') !== undefined ? Object.fromEntries(new URLSearchParams(one('view'))) : undefined,
    priority: one('priority'),
  });
  if (!parsed.success) {
    return (
      <div className="max-w-2xl space-y-3">
        <h1 className="text-xl font-semibold">Bulk action</h1>
        <p className="text-red-700 dark:text-red-300" role="alert">{parsed.error.issues[0]!.message}.</p>
        <Link href="/jobs" className="text-blue-700 dark:text-blue-300 hover:underline">Back to the jobs</Link>
      </div>
    );
  }
  const request = parsed.data;
  let count: number;
  try {
    count = await previewBulk(getDb(), viewer, request);
  } catch (error) {
    if (!(error instanceof ForbiddenError)) throw error;
    return (
      <div className="max-w-2xl space-y-3">
        <h1 className="text-xl font-semibold">Bulk action</h1>
        <p className="text-red-700 dark:text-red-300" role="alert">{error.message}</p>
        <Link href="/jobs" className="text-blue-700 dark:text-blue-300 hover:underline">Back to the jobs</Link>
      </div>
    );
  }
  const name = bulkActionNames[request.action];
  const filtered = request.filter && isFiltered(request.filter);
  const scope = request.ids
    ? `the ${request.ids.length} selected ${request.ids.length === 1 ? 'job' : 'jobs'}`
    : `every job in “${tabNames[request.filter!.tab]}”${filtered ? ' that matches the filter' : ''}`;
  const view = request.filter ? filterQuery(request.filter).toString() : '';
  const back = view ? `/jobs?${view}` : '/jobs';

  return (
    <div className="max-w-2xl space-y-4">
      <h1 className="text-xl font-semibold">
        {name}
        {request.priority ? ` to ${request.priority}` : ''}
      </h1>
      <p data-testid="bulk-preview">
        {count === 0
          ? `None of ${scope} can be changed this way: there is nothing to do.`
          : `This will ${name.toLowerCase()}${request.priority ? ` to ${request.priority}` : ''} ${count} ${count === 1 ? 'job' : 'jobs'} (of ${scope}; jobs you may not change, or in a state the action does not apply to, are left alone).`}
      </p>
      {count > BULK_INLINE_LIMIT ? <p className="text-sm text-slate-600 dark:text-slate-400">More than {BULK_INLINE_LIMIT} jobs: it runs as a background job, with its own progress, on the jobs page.</p> : null}
      <form action={runBulkAction} className="flex gap-3">
        <input type="hidden" name="action" value={request.action} />
        {request.ids ? request.ids.map((id) => <input key={id} type="hidden" name="ids" value={id} />) : null}
        {request.filter ? (
          <>
            <input type="hidden" name="scope" value="view" />
            <input type="hidden" name="view" value={view} />
          </>
        ) : null}
        {request.priority ? <input type="hidden" name="priority" value={request.priority} /> : null}
        {count > 0 ? (
          <button type="submit" className="rounded-md bg-red-700 px-4 py-2 text-sm font-medium text-white hover:bg-red-800">
            Confirm: {name.toLowerCase()} {count} {count === 1 ? 'job' : 'jobs'}
          </button>
        ) : null}
        <Link href={back} className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-4 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">
          Back
        </Link>
      </form>
    </div>
  );
}
