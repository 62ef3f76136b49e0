import Link from 'next/link';
import type { JobListItem } from '@/jobs/queries';
import { formatDateTime, jobDuration } from '@/lib/format';
import { safeHref } from '@/lib/safe-href';
import { JobStatusBadge } from './job-status-badge';
import { ProgressBar } from './progress-bar';

const originNames = { web: 'web', cli: 'cli', schedule: 'schedule', api: 'api' } as const;

/** The jobs page table: AtoM's columns (start, end, name, status, info, user) plus duration and origin. */
export function JobsTable({ jobs, showUser, caption }: { jobs: JobListItem[]; showUser: boolean; caption: string }) {
  const now = new Date();
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
          <tr>
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
          {jobs.map((job) => {
            const related = safeHref(job.relatedUrl);
            return (
              <tr key={job.id} data-job-id={job.id} className="align-top">
                <td className="whitespace-nowrap px-3 py-2 text-slate-700">
                  <time dateTime={job.createdAt.toISOString()}>{formatDateTime(job.createdAt)}</time>
                </td>
                <td className="whitespace-nowrap px-3 py-2 text-slate-700">
                  {job.finishedAt ? <time dateTime={job.finishedAt.toISOString()}>{formatDateTime(job.finishedAt)}</time> : <span className="text-slate-400">N/A</span>}
                </td>
                <td className="whitespace-nowrap px-3 py-2 text-slate-700">{jobDuration(job.startedAt, job.finishedAt, now)}</td>
                <td className="px-3 py-2 font-medium">{job.title}</td>
                <td className="whitespace-nowrap px-3 py-2">
                  <JobStatusBadge status={job.status} />
                  {job.status === 'running' ? <ProgressBar value={job.progress} label={`Progress of job ${job.id}`} /> : null}
                  {job.clearedAt ? <span className="ml-2 text-xs text-slate-500">(cleared)</span> : null}
                </td>
                <td className="max-w-md px-3 py-2">
                  {job.message ? <p className="line-clamp-2 break-words text-slate-700">{job.message}</p> : null}
                  <p className="mt-1 flex gap-3 text-xs">
                    <Link href={`/jobs/${job.id}`} className="text-blue-700 underline-offset-2 hover:underline">
                      Details<span className="sr-only"> of job {job.id}</span>
                    </Link>
                    {related ? (
                      <a href={related} rel="noopener noreferrer nofollow" className="text-blue-700 underline-offset-2 hover:underline">
                        Related record
                      </a>
                    ) : null}
                  </p>
                </td>
                {showUser ? <td className="whitespace-nowrap px-3 py-2 text-slate-700">{job.startedBy ?? '—'}</td> : null}
                <td className="whitespace-nowrap px-3 py-2 text-slate-700">{originNames[job.origin]}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
