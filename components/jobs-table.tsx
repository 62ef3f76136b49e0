import type { JobListItem } from '@/jobs/queries';
import { jobDuration } from '@/lib/format';
import { SelectAll } from './bulk-bar';
import { BULK_FORM_ID } from '@/jobs/bulk-names';
import { JobRow } from './job-row';

/** The jobs page table: AtoM's columns (start, end, name, status, info, user) plus duration and origin. */
export function JobsTable({ jobs, showUser, caption, canControl }: { jobs: JobListItem[]; showUser: boolean; caption: string; canControl: boolean }) {
  const now = new Date();
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900">
      <table className="min-w-full max-sm:block divide-y divide-slate-200 dark:divide-slate-700 text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="max-sm:block bg-slate-50 dark:bg-slate-800 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
          <tr className="max-sm:flex">
            {canControl ? (
              <th scope="col" className="px-3 py-2 max-sm:flex max-sm:items-center max-sm:gap-2 max-sm:after:font-normal max-sm:after:normal-case max-sm:after:tracking-normal max-sm:after:content-['All_on_this_page']">
                <SelectAll formId={BULK_FORM_ID} />
              </th>
            ) : null}
            <th scope="col" className="px-3 py-2 max-sm:hidden">Start</th>
            <th scope="col" className="px-3 py-2 max-sm:hidden">End</th>
            <th scope="col" className="px-3 py-2 max-sm:hidden">Duration</th>
            <th scope="col" className="px-3 py-2 max-sm:hidden">Job name</th>
            <th scope="col" className="px-3 py-2 max-sm:hidden">Status</th>
            <th scope="col" className="px-3 py-2 max-sm:hidden">Info</th>
            {showUser ? <th scope="col" className="px-3 py-2 max-sm:hidden">User</th> : null}
            <th scope="col" className="px-3 py-2 max-sm:hidden">Origin</th>
          </tr>
        </thead>
        <tbody className="max-sm:block divide-y divide-slate-100 dark:divide-slate-800">
          {jobs.map((job) => (
            <JobRow key={job.id} job={job} showUser={showUser} canControl={canControl} renderedDuration={jobDuration(job.startedAt, job.finishedAt, now)} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
