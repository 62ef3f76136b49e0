'use client';

import { useRef, useState } from 'react';
import type { JobStatus } from '@/db/enums';
import { useJobEvents } from './live-provider';

const statusWords: Record<JobStatus, string> = {
  scheduled: 'scheduled',
  queued: 'queued',
  running: 'started',
  retrying: 'waiting to retry',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * Tells screen readers, politely (never moving focus), when a job's status changes on the live
 * stream: "Job 12 completed". `jobs` are the statuses the page was rendered with, at event
 * `renderedAt`; progress and messages are not announced, only status changes and jobs not seen
 * before. With `onlyJobId`, only that job is announced (a job's own page).
 */
export function LiveAnnouncer({ jobs, renderedAt, onlyJobId }: { jobs: { id: number; status: JobStatus }[]; renderedAt: number; onlyJobId?: number }) {
  // The status last heard from the stream, per job; before that, the rendered one.
  const heard = useRef(new Map<number, JobStatus>());
  const [message, setMessage] = useState('');

  useJobEvents((events) => {
    const said: string[] = [];
    for (const event of events) {
      if (onlyJobId !== undefined && event.id !== onlyJobId) continue;
      const before = heard.current.get(event.id) ?? jobs.find((job) => job.id === event.id)?.status;
      heard.current.set(event.id, event.status);
      if (before === event.status) continue;
      said.push(`Job ${event.id} ${statusWords[event.status]}.`);
    }
    // A burst is summed up rather than read out one by one.
    if (said.length > 3) setMessage(`${said.length} jobs changed status. ${said.at(-1)}`);
    else if (said.length > 0) setMessage(said.join(' '));
  }, renderedAt);

  return (
    <div aria-live="polite" aria-atomic="true" className="sr-only" data-testid="live-announcer">
      {message}
    </div>
  );
}
