'use client';

import Link from 'next/link';
import type { JobListItem } from '@/jobs/queries';
import { jobDuration } from '@/lib/format';
import { safeHref } from '@/lib/safe-href';
import { BULK_FORM_ID } from '@/jobs/bulk-names';
import { ForceStopButton } from './job-controls';
import { JobStatusBadge } from './job-status-badge';
import { useLiveJob } from './live/live-provider';
import { useNow } from './live/use-now';
import { ProgressBar } from './progress-bar';
import { LocalTime } from './time-zone';

const toDate = (iso: string | null) => (iso ? new Date(iso) : null);

/**
 * One row of the jobs table. The server renders it; events from the stream then update its status,
 * progress, last message, end time and duration in place (a running job's duration ticks).
 */
export function JobRow({ job, showUser, renderedDuration, canControl }: { job: JobListItem; showUser: boolean; renderedDuration: string; canControl: boolean }) {
  const live = useLiveJob(job.id, job.eventId);
  const status = live?.status ?? job.status;
  const progress = live?.progress ?? job.progress;
  const message = live ? live.message : job.message;
  const startedAt = live ? toDate(live.startedAt) : job.startedAt;
  const finishedAt = live ? toDate(live.finishedAt) : job.finishedAt;
  const cleared = live ? live.cleared : job.clearedAt !== null;
  const now = useNow(status === 'running');
  const duration = now || live ? jobDuration(startedAt, finishedAt, now ?? new Date()) : renderedDuration;
  const related = safeHref(job.relatedUrl);

  return (
    <tr data-job-id={job.id} data-status={status} className="align-top max-sm:grid max-sm:grid-cols-[auto_minmax(0,1fr)_auto] max-sm:gap-x-3 max-sm:gap-y-1 max-sm:p-3">
      {canControl ? (
        <td className="px-3 py-2 max-sm:order-1 max-sm:p-0">
          <input type="checkbox" name="ids" value={job.id} form={BULK_FORM_ID} aria-label={`Select job ${job.id}`} />
        </td>
      ) : null}
      <td className="whitespace-nowrap px-3 py-2 text-slate-700 dark:text-slate-300 max-sm:order-4 max-sm:col-span-full max-sm:p-0 max-sm:text-xs max-sm:before:mr-1 max-sm:before:font-medium max-sm:before:text-slate-500 max-sm:before:content-[attr(data-label)] dark:max-sm:before:text-slate-400" data-label="Start">
        <LocalTime date={job.createdAt} />
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-slate-700 dark:text-slate-300 max-sm:order-5 max-sm:col-span-full max-sm:p-0 max-sm:text-xs max-sm:before:mr-1 max-sm:before:font-medium max-sm:before:text-slate-500 max-sm:before:content-[attr(data-label)] dark:max-sm:before:text-slate-400" data-label="End" data-testid="job-end">
        {finishedAt ? <LocalTime date={finishedAt} /> : <span className="text-slate-500 dark:text-slate-400">N/A</span>}
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-slate-700 dark:text-slate-300 max-sm:order-6 max-sm:col-span-full max-sm:p-0 max-sm:text-xs max-sm:before:mr-1 max-sm:before:font-medium max-sm:before:text-slate-500 max-sm:before:content-[attr(data-label)] dark:max-sm:before:text-slate-400" data-label="Duration" data-testid="job-duration">{duration}</td>
      <td className="px-3 py-2 font-medium max-sm:order-2 max-sm:col-start-2 max-sm:break-words max-sm:p-0">{job.title}</td>
      <td className="whitespace-nowrap px-3 py-2 max-sm:order-3 max-sm:p-0 max-sm:text-right">
        <JobStatusBadge status={status} />
        {status === 'running' ? <ProgressBar value={progress} label={`Progress of job ${job.id}`} showPercent /> : null}
        {cleared ? <span className="ml-2 text-xs text-slate-500 dark:text-slate-400">(cleared)</span> : null}
        {job.stuck && status === 'running' ? (
          <span className="block">
            <span className="text-xs font-medium text-red-800 dark:text-red-300" data-testid="job-stuck">
              Stuck: no progress or heartbeat for a while
            </span>
            {canControl ? <ForceStopButton jobId={job.id} /> : null}
          </span>
        ) : null}
        {job.queuePaused && (status === 'queued' || status === 'retrying' || status === 'scheduled') ? (
          <span className="ml-2 text-xs text-amber-800 dark:text-amber-300" data-testid="queue-paused">
            (queue {job.queue} paused)
          </span>
        ) : null}
      </td>
      <td className="max-w-md px-3 py-2 max-sm:order-7 max-sm:col-span-full max-sm:max-w-none max-sm:p-0">
        {message ? <p className="line-clamp-2 break-words text-slate-700 dark:text-slate-300" data-testid="job-message">{message}</p> : null}
        <p className="mt-1 flex gap-3 text-xs">
          <Link href={`/jobs/${job.id}`} className="text-blue-700 dark:text-blue-300 underline-offset-2 hover:underline">
            Details<span className="sr-only"> of job {job.id}</span>
          </Link>
          {related ? (
            <a href={related} rel="noopener noreferrer nofollow" className="text-blue-700 dark:text-blue-300 underline-offset-2 hover:underline">
              Related record
            </a>
          ) : null}
        </p>
      </td>
      {showUser ? <td className="whitespace-nowrap px-3 py-2 text-slate-700 dark:text-slate-300 max-sm:order-8 max-sm:col-span-full max-sm:p-0 max-sm:text-xs max-sm:before:mr-1 max-sm:before:font-medium max-sm:before:text-slate-500 max-sm:before:content-[attr(data-label)] dark:max-sm:before:text-slate-400" data-label="User">{job.startedBy ?? '—'}</td> : null}
      <td className="whitespace-nowrap px-3 py-2 text-slate-700 dark:text-slate-300 max-sm:order-9 max-sm:col-span-full max-sm:p-0 max-sm:text-xs max-sm:before:mr-1 max-sm:before:font-medium max-sm:before:text-slate-500 max-sm:before:content-[attr(data-label)] dark:max-sm:before:text-slate-400" data-label="Origin">{job.origin}</td>
    </tr>
  );
}
