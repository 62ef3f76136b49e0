import type { JobListItem } from '@/jobs/queries';
import { jobDuration } from '@/lib/format';
import { SelectAll } from './bulk-bar';
import { BULK_FORM_ID } from '@/jobs/bulk-names';
import { JobRow } from './job-row';

/** The jobs page table: AtoM's columns (start, end, name, status, info, user) plus duration and origin. */
export function JobsTable({ jobs, showUser, caption, canControl }: { jobs: JobListItem[]; showUser: boolean; caption: string; canControl: boolean }) {
  const now = new Date();
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
          <tr>
            {canControl ? (
              <th scope="col" className="px-3 py-2">
                <SelectAll formId={BULK_FORM_ID} />
              </th>
            ) : null}
            <th scope="col" className="px-3 py-2">Start</th>
            <th scope="col" className="px-3 py-2">End</th>
            <th scope="col" className="px-3 py-2">Duration</th>
            <th scope="col" className="px-3 py-2">Job name</th>
            <th scope="col" className="px-3 py-2">Status</th>
            <th scope="col" className="px-3 py-2">Info</th>
            {showUser ? <th scope="col" className="px-3 py-2">User</th> : null}
            <th scope="col" className="px-3 py-2">Origin</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {jobs.map((job) => (
            <JobRow key={job.id} job={job} showUser={showUser} canControl={canControl} renderedDuration={jobDuration(job.startedAt, job.finishedAt, now)} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
