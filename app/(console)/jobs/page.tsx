import type { Metadata } from 'next';
import Link from 'next/link';
import { z } from 'zod';
import { BulkBar } from '@/components/bulk-bar';
import { JobFilters } from '@/components/job-filters';
import { JobsTable } from '@/components/jobs-table';
import { KeyboardShortcuts } from '@/components/keyboard-shortcuts';
import { getDb } from '@/db/client';
import { LiveControls, NoScriptNotice } from '@/components/live/live-controls';
import { LiveAnnouncer } from '@/components/live/live-announcer';
import { JobsPageLive } from '@/components/live/refresh-on-events';
import { BULK_FORM_ID } from '@/jobs/bulk-names';
import { taskCatalogue } from '@/jobs/catalogue';
import { filterProblems, filterQuery, isFiltered, parseJobFilter, type JobFilter } from '@/jobs/filters';
import { canClearJobs, canControlJobs, canManageQueues, seesAllJobs, seesClearedJobs } from '@/jobs/permissions';
import { jobTabs, listJobsForViewer, type JobsTab } from '@/jobs/queries';
import { countJobsByTab, TAB_COUNT_CAP, type TabCount } from '@/jobs/tab-counts';
import { currentEventId } from '@/lib/live/stream';
import { requireViewer } from '@/lib/session';
import { clearInactiveJobsAction } from './actions';
import { previewBulkAction } from './bulk/actions';

export const metadata: Metadata = { title: 'Jobs' };

const cursor = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined);
const searchSchema = z.object({
  tab: z.enum(jobTabs).catch('all'),
  after: cursor,
  before: cursor,
  cleared: z.coerce.number().int().min(0).optional().catch(undefined),
  notice: z.enum(['cannot-clear']).optional().catch(undefined),
  bulkDone: z.coerce.number().int().min(0).optional().catch(undefined),
  bulkSkipped: z.coerce.number().int().min(0).optional().catch(undefined),
  bulkError: z.string().max(200).optional().catch(undefined),
});

const tabNames: Record<JobsTab, string> = { all: 'All jobs', active: 'Active jobs', failed: 'Failed jobs' };

/** Two significant digits: an estimate shown to the last job would look exact. */
function roughly(count: number): number {
  if (count < 100) return count;
  const unit = 10 ** (Math.floor(Math.log10(count)) - 1);
  return Math.round(count / unit) * unit;
}

/**
 * A tab's number of jobs, muted: exact, "10,000+" past the cap, or "~1,200" when counting took too
 * long and the figure is the database's estimate; what it means is said on hover and to screen readers.
 */
function TabCountBadge({ count }: { count: TabCount }) {
  const shown =
    count.precision === 'estimate'
      ? { text: `~${roughly(count.count).toLocaleString('en-US')}`, title: 'About this many: an estimate, counting exactly would take too long' }
      : count.precision === 'at-least'
        ? { text: `${count.count.toLocaleString('en-US')}+`, title: `More than ${TAB_COUNT_CAP.toLocaleString('en-US')}: counting stops there` }
        : { text: count.count.toLocaleString('en-US'), title: undefined };
  return (
    <span className="ml-1.5 rounded-full bg-slate-100 dark:bg-slate-800 px-1.5 py-0.5 text-xs font-normal tabular-nums text-slate-600 dark:text-slate-400" title={shown.title}>
      {shown.text}
      {shown.title ? <span className="sr-only"> ({shown.title})</span> : null}
    </span>
  );
}

const emptyMessages: Record<JobsTab, string> = {
  all: 'There are no jobs.',
  active: 'There are no active jobs.',
  failed: 'There are no failed jobs.',
};

export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await requireViewer();
  const params = await searchParams;
  const search = searchSchema.parse(params);
  const filter = parseJobFilter(params).data ?? { tab: search.tab };
  // Read first: whatever changes while the page renders arrives again through the stream.
  const renderedAt = await currentEventId(getDb());
  const [page, counts] = await Promise.all([
    listJobsForViewer(viewer, { tab: search.tab, filter, after: search.after, before: search.before }),
    countJobsByTab(viewer, filter),
  ]);
  /** This view's URL with other parameters: the filter survives tabs, pages and refreshes. */
  const href = (changes: Partial<JobFilter> & { after?: number; before?: number } = {}) => {
    const query = filterQuery({ ...filter, ...changes });
    if (changes.after !== undefined) query.set('after', String(changes.after));
    if (changes.before !== undefined) query.set('before', String(changes.before));
    const text = query.toString();
    return text ? `/jobs?${text}` : '/jobs';
  };
  const exportHref = (format: 'csv' | 'jsonl') => {
    const query = filterQuery(filter);
    query.set('format', format);
    return `/api/jobs/export?${query.toString()}`;
  };
  const showUser = seesAllJobs(viewer);
  const firstPage = search.after === undefined && search.before === undefined;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">{showUser ? 'All users’ jobs' : 'Your jobs'}</h1>
        <div className="flex flex-wrap items-center gap-2">
          <Link href={href()} className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">
            Refresh
          </Link>
          <a href={exportHref('csv')} className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800" download>
            Export history CSV
          </a>
          <a href={exportHref('jsonl')} className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800" download>
            JSON lines
          </a>
          <KeyboardShortcuts tabHrefs={jobTabs.map((tab) => href({ tab }))} />
          <LiveControls />
          <NoScriptNotice />
          {canClearJobs(viewer) ? (
            <form action={clearInactiveJobsAction}>
              <input type="hidden" name="tab" value={search.tab} />
              <button
                type="submit"
                className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
              >
                Clear inactive jobs
              </button>
            </form>
          ) : null}
        </div>
      </div>

      {search.cleared !== undefined ? (
        <p role="status" className="rounded-md bg-green-50 dark:bg-green-950 px-3 py-2 text-sm text-green-800 dark:text-green-300">
          Cleared {search.cleared} inactive {search.cleared === 1 ? 'job' : 'jobs'}.
        </p>
      ) : null}
      {search.notice === 'cannot-clear' ? (
        <p role="status" className="rounded-md bg-amber-50 dark:bg-amber-950 px-3 py-2 text-sm text-amber-800 dark:text-amber-300">
          You cannot clear jobs.
        </p>
      ) : null}

      {search.bulkDone !== undefined ? (
        <p className="rounded-md bg-green-50 dark:bg-green-950 px-3 py-2 text-sm text-green-800 dark:text-green-300" data-testid="bulk-done">
          Done: {search.bulkDone} {search.bulkDone === 1 ? 'job' : 'jobs'} changed
          {search.bulkSkipped ? `, ${search.bulkSkipped} left alone (their state changed meanwhile)` : ''}.
        </p>
      ) : null}
      {search.bulkError ? (
        <p className="rounded-md bg-red-50 dark:bg-red-950 px-3 py-2 text-sm text-red-800 dark:text-red-300" role="alert">
          {search.bulkError}.
        </p>
      ) : null}

      <JobFilters
        filter={filter}
        problems={filterProblems(params)}
        showUser={showUser}
        tasks={taskCatalogue.filter((task) => !task.hidden).map((task) => ({ name: task.name, title: task.title }))}
      />

      <nav aria-label="Job views" className="border-b border-slate-200 dark:border-slate-700">
        <ul className="-mb-px flex flex-wrap gap-x-4 gap-y-1 whitespace-nowrap text-sm max-sm:gap-x-2">
          {jobTabs.map((tab) => (
            <li key={tab}>
              <Link
                href={href({ tab })}
                aria-current={tab === search.tab ? 'page' : undefined}
                className={`inline-block border-b-2 px-1 pb-2 ${tab === search.tab ? 'border-blue-700 dark:border-blue-400 font-semibold text-blue-800 dark:text-blue-300' : 'border-transparent text-slate-600 dark:text-slate-400 hover:text-slate-900 dark:hover:text-slate-100'}`}
              >
                {tabNames[tab]} <TabCountBadge count={counts[tab]} />
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      {canControlJobs(viewer) && page.jobs.length > 0 ? (
        <>
          <form id={BULK_FORM_ID} action={previewBulkAction} />
          <BulkBar formId={BULK_FORM_ID} filter={filterQuery(filter).toString()} canPrioritise={canManageQueues(viewer)} />
        </>
      ) : null}
      <JobsPageLive tab={search.tab} firstPage={firstPage} shownIds={page.jobs.map((job) => job.id)} showsCleared={seesClearedJobs(viewer)} renderedAt={renderedAt} />
      <LiveAnnouncer jobs={page.jobs.map((job) => ({ id: job.id, status: job.status }))} renderedAt={renderedAt} />
      {page.jobs.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-4 py-10 text-center text-slate-600 dark:text-slate-400" data-testid="no-jobs">
          {!firstPage ? 'There are no more jobs here.' : isFiltered(filter) ? 'No job matches this filter.' : emptyMessages[search.tab]}
        </p>
      ) : (
        <JobsTable jobs={page.jobs} showUser={showUser} caption={tabNames[search.tab]} canControl={canControlJobs(viewer)} />
      )}

      {page.newer !== null || page.older !== null || !firstPage ? (
        <nav aria-label="Pages" className="flex justify-between text-sm">
          <span className="flex gap-4">
            {!firstPage ? <Link href={href()} className="text-blue-700 dark:text-blue-300 hover:underline">Newest</Link> : null}
            {page.newer !== null ? (
              <Link href={href({ before: page.newer })} className="text-blue-700 dark:text-blue-300 hover:underline">
                ← Newer
              </Link>
            ) : null}
          </span>
          {page.older !== null ? (
            <Link href={href({ after: page.older })} className="text-blue-700 dark:text-blue-300 hover:underline">
              Older →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
