'use client';

import type { JobStatus } from '@/db/enums';
import { estimateRemainingMs, formatDuration } from '@/lib/format';
import { JobStatusBadge } from '../job-status-badge';
import { ProgressBar } from '../progress-bar';
import { useLiveJob } from './live-provider';
import { useNow } from './use-now';

export interface JobSnapshot {
  id: number;
  eventId: number;
  status: JobStatus;
  progress: number;
  step: string | null;
  message: string | null;
  startedAt: Date | null;
}

/** The details page's status line: badge, last message, and for a running job progress, step and ETA. */
export function JobLiveStatus({ job }: { job: JobSnapshot }) {
  const live = useLiveJob(job.id, job.eventId);
  const status = live?.status ?? job.status;
  const progress = live?.progress ?? job.progress;
  const step = live ? live.step : job.step;
  const message = live ? live.message : job.message;
  const startedAt = live ? (live.startedAt ? new Date(live.startedAt) : null) : job.startedAt;
  const now = useNow(status === 'running');
  const remaining = now ? estimateRemainingMs(progress, startedAt, now) : null;

  return (
    <div data-testid="job-live-status" data-status={status}>
      <p className="mt-2">
        <JobStatusBadge status={status} />
      </p>
      {message ? (
        <p className="mt-1 break-words text-slate-700 dark:text-slate-300" data-testid="job-message">
          {message}
        </p>
      ) : null}
      {status === 'running' ? (
        <div className="mt-2 flex flex-wrap items-center gap-3 text-sm text-slate-600 dark:text-slate-400">
          <ProgressBar value={progress} label="Job progress" />
          <span data-testid="job-progress-text">
            {Math.round(progress * 100)} %{step ? ` · ${step}` : ''}
          </span>
          {remaining !== null ? <span data-testid="job-eta">about {formatDuration(remaining)} left</span> : null}
        </div>
      ) : null}
    </div>
  );
}
