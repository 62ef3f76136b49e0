import type { JobStatus } from '@/db/enums';

const styles: Record<JobStatus, string> = {
  scheduled: 'bg-slate-100 text-slate-700 ring-slate-300',
  queued: 'bg-slate-100 text-slate-700 ring-slate-300',
  running: 'bg-blue-50 text-blue-800 ring-blue-300',
  retrying: 'bg-amber-50 text-amber-800 ring-amber-300',
  completed: 'bg-green-50 text-green-800 ring-green-300',
  failed: 'bg-red-50 text-red-800 ring-red-300',
  cancelled: 'bg-zinc-100 text-zinc-700 ring-zinc-300',
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
