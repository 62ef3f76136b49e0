'use client';

import { useActionState } from 'react';
import { scheduleAction, type ScheduleActionState } from './actions';

const button = 'rounded-md border px-2.5 py-1 text-sm disabled:opacity-50';

/** Start or stop a schedule, and delete it (after a confirmation). */
export function ScheduleControls({ id, active }: { id: number; active: boolean }) {
  const [state, action, pending] = useActionState<ScheduleActionState, FormData>(scheduleAction, {});
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" aria-label={`Schedule ${id}`}>
      <input type="hidden" name="id" value={id} />
      {active ? (
        <button type="submit" name="action" value="stop" disabled={pending} className={`${button} border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 hover:bg-slate-100 dark:hover:bg-slate-800`}>
          Stop
        </button>
      ) : (
        <button type="submit" name="action" value="start" disabled={pending} className={`${button} border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 hover:bg-slate-100 dark:hover:bg-slate-800`}>
          Start
        </button>
      )}
      <button
        type="submit"
        name="action"
        value="delete"
        disabled={pending}
        className={`${button} border-red-300 dark:border-red-800 bg-white dark:bg-slate-900 text-red-800 dark:text-red-300 hover:bg-red-50 dark:hover:bg-red-950`}
        onClick={(event) => {
          if (!window.confirm(`Delete schedule ${id}? It will not run again; the jobs it launched stay.`)) event.preventDefault();
        }}
      >
        Delete
      </button>
      <span role="status" className="text-sm">
        {state.error ? <span className="text-red-700 dark:text-red-300">{state.error}</span> : state.notice ? <span className="text-slate-700 dark:text-slate-300">{state.notice}</span> : null}
      </span>
    </form>
  );
}
