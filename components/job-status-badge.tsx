import type { JobStatus } from '@/db/enums';

const styles: Record<JobStatus, string> = {
  scheduled: 'bg-slate-100 dark:bg-slate-800 text-slate-700 dark:text-slate-300 ring-slate-300 dark:ring-slate-600',
  queued: 'bg-slate-100 dark:bg-slate-800 text-slate-700 dark:text-slate-300 ring-slate-300 dark:ring-slate-600',
  running: 'bg-blue-50 dark:bg-blue-950 text-blue-800 dark:text-blue-300 ring-blue-300 dark:ring-blue-800',
  retrying: 'bg-amber-50 dark:bg-amber-950 text-amber-800 dark:text-amber-300 ring-amber-300 dark:ring-amber-800',
  completed: 'bg-green-50 dark:bg-green-950 text-green-800 dark:text-green-300 ring-green-300 dark:ring-green-800',
  failed: 'bg-red-50 dark:bg-red-950 text-red-800 dark:text-red-300 ring-red-300 dark:ring-red-800',
  cancelled: 'bg-zinc-100 dark:bg-zinc-800 text-zinc-700 dark:text-zinc-300 ring-zinc-300 dark:ring-zinc-600',
};

const labels: Record<JobStatus, string> = {
  scheduled: 'Scheduled',
  queued: 'Queued',
  running: 'Running',
  retrying: 'Retrying',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The job's status as a word in a coloured badge (the word carries the meaning, not the colour). */
export function JobStatusBadge({ status }: { status: JobStatus }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${styles[status]}`}
      data-status={status}
    >
      {labels[status]}
    </span>
  );
}
