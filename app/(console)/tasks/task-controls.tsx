'use client';

import { useActionState } from 'react';
import { taskActiveAction, taskNoteAction, type TaskActionState } from './actions';

const button = 'rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-2.5 py-1 text-sm hover:bg-slate-100 dark:hover:bg-slate-800 disabled:opacity-50';

function Outcome({ state }: { state: TaskActionState }) {
  return (
    <span role="status" className="text-xs">
      {state.error ? <span className="text-red-700 dark:text-red-300">{state.error}</span> : state.notice ? <span className="text-slate-700 dark:text-slate-300">{state.notice}</span> : null}
    </span>
  );
}

/** The active flag of one task, with the button that flips it. */
export function ActiveToggle({ task, title, active }: { task: string; title: string; active: boolean }) {
  const [state, action, pending] = useActionState<TaskActionState, FormData>(taskActiveAction, {});
  return (
    <form action={action} className="flex flex-col items-start gap-1" aria-label={`Task ${task} active`}>
      <input type="hidden" name="task" value={task} />
      <span data-testid="task-active">
        {active ? (
          <span className="rounded-full bg-green-50 dark:bg-green-950 px-2 py-0.5 text-xs font-medium text-green-800 dark:text-green-300 ring-1 ring-green-300 dark:ring-green-800">Active</span>
        ) : (
          <span className="rounded-full bg-amber-50 dark:bg-amber-950 px-2 py-0.5 text-xs font-medium text-amber-800 dark:text-amber-300 ring-1 ring-amber-300 dark:ring-amber-800">Inactive</span>
        )}
      </span>
      <button type="submit" name="action" value={active ? 'deactivate' : 'activate'} disabled={pending} className={button}>
        {active ? 'Deactivate' : 'Activate'}
        <span className="sr-only"> {title}</span>
      </button>
      <Outcome state={state} />
    </form>
  );
}

/** A task's note for admins: edit and save; saving it empty clears it. */
export function NoteForm({ task, title, note, maxLength }: { task: string; title: string; note: string | null; maxLength: number }) {
  const [state, action, pending] = useActionState<TaskActionState, FormData>(taskNoteAction, {});
  const id = `note-${task}`;
  return (
    <form action={action} className="flex min-w-56 flex-col items-start gap-1">
      <input type="hidden" name="task" value={task} />
      <label htmlFor={id} className="sr-only">
        Note on {title}
      </label>
      <textarea
        id={id}
        name="note"
        rows={2}
        maxLength={maxLength}
        defaultValue={note ?? ''}
        placeholder="No note"
        aria-invalid={state.error ? true : undefined}
        className={`w-full rounded-md border px-2 py-1 text-sm ${state.error ? 'border-red-500' : 'border-slate-300 dark:border-slate-600'}`}
      />
      <button type="submit" disabled={pending} className={button}>
        Save note<span className="sr-only"> on {title}</span>
      </button>
      <Outcome state={state} />
    </form>
  );
}
