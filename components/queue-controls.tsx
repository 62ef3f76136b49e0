'use client';

import { useActionState } from 'react';
import { jobPriorities, type JobPriority } from '@/db/enums';
import { priorityAction, queueAction, type QueueActionState } from '@/app/(console)/queues/actions';

const button = 'rounded-md border px-2.5 py-1 text-sm disabled:opacity-50';

function Outcome({ state }: { state: QueueActionState }) {
  return (
    <span role="status" className="text-sm">
      {state.error ? <span className="text-red-700 dark:text-red-300">{state.error}</span> : state.notice ? <span className="text-slate-700 dark:text-slate-300">{state.notice}</span> : null}
    </span>
  );
}

/** Pause or resume a queue, and purge its waiting jobs (after a confirmation). */
export function QueueControls({ queue, paused, waiting }: { queue: string; paused: boolean; waiting: number }) {
  const [state, action, pending] = useActionState<QueueActionState, FormData>(queueAction, {});
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" aria-label={`Queue ${queue}`}>
      <input type="hidden" name="queue" value={queue} />
      {paused ? (
        <button type="submit" name="action" value="resume" disabled={pending} className={`${button} border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 hover:bg-slate-100 dark:hover:bg-slate-800`}>
          Resume
        </button>
      ) : (
        <button type="submit" name="action" value="pause" disabled={pending} className={`${button} border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 hover:bg-slate-100 dark:hover:bg-slate-800`}>
          Pause
        </button>
      )}
      <button
        type="submit"
        name="action"
        value="purge"
        disabled={pending || waiting === 0}
        className={`${button} border-red-300 dark:border-red-800 bg-white dark:bg-slate-900 text-red-800 dark:text-red-300 hover:bg-red-50 dark:hover:bg-red-950`}
        onClick={(event) => {
          if (!window.confirm(`Purge queue ${queue}? Its ${waiting} waiting ${waiting === 1 ? 'job is' : 'jobs are'} cancelled; running jobs go on.`)) event.preventDefault();
        }}
      >
        Purge
      </button>
      <Outcome state={state} />
    </form>
  );
}

/** An admin's priority picker for one waiting job. */
export function PriorityControl({ jobId, priority }: { jobId: number; priority: JobPriority }) {
  const [state, action, pending] = useActionState<QueueActionState, FormData>(priorityAction, {});
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="jobId" value={jobId} />
      <label className="sr-only" htmlFor={`priority-${jobId}`}>
        Priority of job {jobId}
      </label>
      <select id={`priority-${jobId}`} name="priority" defaultValue={priority} className="rounded-md border border-slate-300 dark:border-slate-600 px-2 py-1 text-sm">
        {jobPriorities.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
      <button type="submit" disabled={pending} className={`${button} border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 hover:bg-slate-100 dark:hover:bg-slate-800`}>
        Set priority<span className="sr-only"> of job {jobId}</span>
      </button>
      <Outcome state={state} />
    </form>
  );
}
