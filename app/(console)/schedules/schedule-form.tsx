'use client';

import { useActionState, useState } from 'react';
import { SubmitButton } from '@/components/submit-button';
import { jobPriorities, scheduleUnits, type JobPriority } from '@/db/enums';
import { createScheduleAction, type NewScheduleState } from './actions';

/** A task the form offers, with what its arguments are (plain data from the server). */
export interface ScheduleTaskOption {
  name: string;
  title: string;
  defaultPriority: JobPriority;
  arguments: { name: string; label: string; required: boolean; defaultValue?: string }[];
  /** Its defaults as JSON, shown as the arguments' placeholder. */
  example: string;
}

const inputClass = 'mt-1 block w-full rounded-md border px-3 py-2 text-sm shadow-sm';
const unitLabels = { minutes: 'minutes', hours: 'hours', days: 'days', months: 'months' } as const;

/** The "New schedule" form: task, arguments as JSON, first run (UTC), repetition, priority, start now. */
export function NewScheduleForm({ tasks, firstRunDefault }: { tasks: ScheduleTaskOption[]; firstRunDefault: string }) {
  const [state, formAction, pending] = useActionState<NewScheduleState, FormData>(createScheduleAction, {});
  const [taskName, setTaskName] = useState(state.values?.task ?? tasks[0]?.name ?? '');
  const task = tasks.find((candidate) => candidate.name === taskName);
  const values = state.values;
  const errors = state.fieldErrors ?? {};
  const border = (field: string) => (errors[field] ? 'border-red-500' : 'border-slate-300 dark:border-slate-600');
  const invalid = (field: string) => (errors[field] ? true : undefined);

  return (
    <form action={formAction} className="space-y-4 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4" noValidate aria-labelledby="new-schedule">
      {state.formError ? (
        <p className="rounded-md bg-red-50 dark:bg-red-950 px-3 py-2 text-sm text-red-800 dark:text-red-300" data-testid="form-error">
          {state.formError}
        </p>
      ) : null}
      {state.notice ? (
        <p role="status" className="rounded-md bg-green-50 dark:bg-green-950 px-3 py-2 text-sm text-green-800 dark:text-green-300" data-testid="form-notice">
          {state.notice}
        </p>
      ) : null}

      <div>
        <label htmlFor="schedule-task" className="block text-sm font-medium">
          Task
        </label>
        <select
          id="schedule-task"
          name="task"
          value={taskName}
          onChange={(event) => setTaskName(event.target.value)}
          aria-invalid={invalid('task')}
          aria-describedby={errors.task ? 'schedule-task-error' : undefined}
          className={`${inputClass} ${border('task')}`}
        >
          {tasks.map((option) => (
            <option key={option.name} value={option.name}>
              {option.title}
            </option>
          ))}
        </select>
        <Errors id="schedule-task-error" errors={errors.task} />
      </div>

      <div>
        <label htmlFor="schedule-arguments" className="block text-sm font-medium">
          Arguments (JSON)
        </label>
        <textarea
          id="schedule-arguments"
          name="arguments"
          rows={4}
          defaultValue={values?.arguments ?? ''}
          placeholder={task?.example}
          aria-invalid={invalid('arguments')}
          aria-describedby={['schedule-arguments-help', errors.arguments ? 'schedule-arguments-error' : null].filter(Boolean).join(' ')}
          className={`${inputClass} ${border('arguments')} font-mono`}
        />
        <p id="schedule-arguments-help" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          A JSON object, checked by the task as its launch form is; leave it empty for the defaults.
          {task && task.arguments.length > 0 ? (
            <>
              {' '}
              {task.title} takes:{' '}
              {task.arguments.map((argument, index) => (
                <span key={argument.name}>
                  {index > 0 ? ', ' : ''}
                  <code>{argument.name}</code> ({argument.label}
                  {argument.required ? ', required' : argument.defaultValue !== undefined ? `, default ${argument.defaultValue}` : ''})
                </span>
              ))}
              .
            </>
          ) : null}
        </p>
        <Errors id="schedule-arguments-error" errors={errors.arguments} />
      </div>

      <div>
        <label htmlFor="schedule-first-run" className="block text-sm font-medium">
          First run (UTC)
        </label>
        <input
          id="schedule-first-run"
          name="firstRunAt"
          type="datetime-local"
          defaultValue={values?.firstRunAt ?? firstRunDefault}
          aria-invalid={invalid('firstRunAt')}
          aria-describedby={['schedule-first-run-help', errors.firstRunAt ? 'schedule-first-run-error' : null].filter(Boolean).join(' ')}
          className={`${inputClass} ${border('firstRunAt')} max-w-xs`}
        />
        <p id="schedule-first-run-help" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          Read as UTC, whatever your browser’s time zone. A time in the past (at most a day back) means now.
        </p>
        <Errors id="schedule-first-run-error" errors={errors.firstRunAt} />
      </div>

      <fieldset>
        <legend className="block text-sm font-medium">Repetition</legend>
        <div className="mt-1 flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor="schedule-repeat-unit" className="block text-xs text-slate-600 dark:text-slate-400">
              Repeat
            </label>
            <select
              id="schedule-repeat-unit"
              name="repeatUnit"
              defaultValue={values?.repeatUnit ?? 'none'}
              aria-invalid={invalid('repeatUnit')}
              className={`${inputClass} ${border('repeatUnit')}`}
            >
              <option value="none">No: run once</option>
              {scheduleUnits.map((unit) => (
                <option key={unit} value={unit}>
                  Every N {unitLabels[unit]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="schedule-repeat-every" className="block text-xs text-slate-600 dark:text-slate-400">
              N (1–1000)
            </label>
            <input
              id="schedule-repeat-every"
              name="repeatEvery"
              type="number"
              min={1}
              max={1000}
              step={1}
              defaultValue={values?.repeatEvery ?? '1'}
              aria-invalid={invalid('repeatEvery')}
              aria-describedby={errors.repeatEvery ? 'schedule-repeat-every-error' : undefined}
              className={`${inputClass} ${border('repeatEvery')} w-28`}
            />
          </div>
        </div>
        <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          Runs are counted from the first one; a monthly schedule on the 31st runs on the last day of shorter months. Runs missed while no worker was up are
          not made up one by one: the schedule runs once and goes on.
        </p>
        <Errors id="schedule-repeat-unit-error" errors={errors.repeatUnit} />
        <Errors id="schedule-repeat-every-error" errors={errors.repeatEvery} />
      </fieldset>

      <div>
        <label htmlFor="schedule-priority" className="block text-sm font-medium">
          Priority
        </label>
        <select
          id="schedule-priority"
          name="priority"
          defaultValue={values?.priority ?? ''}
          aria-invalid={invalid('priority')}
          aria-describedby={errors.priority ? 'schedule-priority-error' : undefined}
          className={`${inputClass} ${border('priority')} max-w-xs`}
        >
          <option value="">The task’s default{task ? ` (${task.defaultPriority})` : ''}</option>
          {jobPriorities.map((priority) => (
            <option key={priority} value={priority}>
              {priority}
            </option>
          ))}
        </select>
        <Errors id="schedule-priority-error" errors={errors.priority} />
      </div>

      <label className="flex items-center gap-2 text-sm font-medium">
        <input type="checkbox" name="start" defaultChecked={values ? values.start === 'on' : true} />
        Start now
      </label>

      <SubmitButton pending={pending} label="Create schedule" pendingLabel="Creating…" />
    </form>
  );
}

function Errors({ errors, id }: { errors?: string[]; id: string }) {
  return errors ? (
    <p id={id} className="mt-1 text-sm text-red-700 dark:text-red-300" data-testid="field-error">
      {errors.join(' ')}
    </p>
  ) : null;
}
