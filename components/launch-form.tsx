'use client';

import { useActionState } from 'react';
import type { LaunchState } from '@/app/(console)/jobs/actions';
import { jobPriorities, type JobPriority } from '@/db/enums';
import type { TaskFormField } from '@/jobs/task-form';
import { SubmitButton } from './submit-button';

const inputClass = 'mt-1 block w-full rounded-md border px-3 py-2 text-sm shadow-sm';

/** A task's launch form, generated from its schema, with the server's field errors beside each field. */
export function LaunchForm({
  fields,
  action,
  defaultPriority,
}: {
  fields: TaskFormField[];
  action: (previous: LaunchState, form: FormData) => Promise<LaunchState>;
  defaultPriority: JobPriority;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} className="space-y-4 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4" noValidate>
      {state.formError ? (
        <p className="rounded-md bg-red-50 dark:bg-red-950 px-3 py-2 text-sm text-red-800 dark:text-red-300" data-testid="form-error">
          {state.formError}
        </p>
      ) : null}
      {fields.map((field) => (
        <Field key={field.name} field={field} errors={state.fieldErrors?.[field.name]} value={state.values?.[field.name]} submitted={state.values !== undefined} />
      ))}
      <div>
        <label htmlFor="field-priority" className="block text-sm font-medium">
          Priority
        </label>
        <select
          id="field-priority"
          name="priority"
          defaultValue={state.values?.priority ?? defaultPriority}
          aria-invalid={state.fieldErrors?.priority ? true : undefined}
          aria-describedby={state.fieldErrors?.priority ? 'field-priority-error' : 'field-priority-help'}
          className={`${inputClass} ${state.fieldErrors?.priority ? 'border-red-500' : 'border-slate-300 dark:border-slate-600'}`}
        >
          {jobPriorities.map((priority) => (
            <option key={priority} value={priority}>
              {priority}
            </option>
          ))}
        </select>
        <p id="field-priority-help" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          Waiting jobs of higher priority run first. This task’s default is {defaultPriority}.
        </p>
        {state.fieldErrors?.priority ? (
          <p id="field-priority-error" className="mt-1 text-sm text-red-700 dark:text-red-300">
            {state.fieldErrors.priority.join(' ')}
          </p>
        ) : null}
      </div>
      <SubmitButton pending={pending} label="Launch" pendingLabel="Launching…" />
    </form>
  );
}

function Field({ field, errors, value, submitted }: { field: TaskFormField; errors?: string[]; value?: string; submitted: boolean }) {
  const id = `field-${field.name}`;
  const errorId = `${id}-error`;
  const describedBy = [field.description ? `${id}-help` : null, errors ? errorId : null].filter(Boolean).join(' ') || undefined;
  const border = errors ? 'border-red-500' : 'border-slate-300 dark:border-slate-600';
  const common = {
    id,
    name: field.name,
    'aria-invalid': errors ? true : undefined,
    'aria-describedby': describedBy,
  } as const;
  // After a failed submission, show what was typed; before, the schema's default.
  const initial = submitted ? (value ?? '') : field.defaultValue === undefined ? '' : String(field.defaultValue);

  let control: React.ReactNode;
  if (field.kind === 'checkbox') {
    const checked = submitted ? value === 'on' : field.defaultValue === true;
    return (
      <div>
        <label className="flex items-center gap-2 text-sm font-medium">
          <input type="checkbox" {...common} defaultChecked={checked} />
          {field.label}
        </label>
        <Help field={field} id={id} />
        <Errors errors={errors} id={errorId} />
      </div>
    );
  } else if (field.kind === 'textarea') {
    control = <textarea {...common} rows={8} defaultValue={initial} maxLength={field.maxLength} className={`${inputClass} ${border} font-mono`} />;
  } else if (field.kind === 'select') {
    control = (
      <select {...common} defaultValue={initial} className={`${inputClass} ${border}`}>
        {field.options?.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else {
    const type = { text: 'text', integer: 'number', number: 'number', date: 'date', url: 'url', secret: 'password' }[field.kind];
    control = (
      <input
        {...common}
        type={type}
        step={field.kind === 'integer' ? 1 : field.kind === 'number' ? 'any' : undefined}
        min={field.min}
        max={field.max}
        maxLength={field.maxLength}
        defaultValue={field.kind === 'secret' ? undefined : initial}
        // A secret is typed again after a failed submission, and never offered by the browser's memory.
        autoComplete={field.kind === 'secret' ? 'new-password' : undefined}
        className={`${inputClass} ${border}`}
      />
    );
  }
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {field.label}
        {field.required ? <span className="text-red-700 dark:text-red-300"> *</span> : null}
      </label>
      {control}
      <Help field={field} id={id} />
      <Errors errors={errors} id={errorId} />
    </div>
  );
}

function Help({ field, id }: { field: TaskFormField; id: string }) {
  return field.description ? (
    <p id={`${id}-help`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
      {field.description}
    </p>
  ) : null;
}

function Errors({ errors, id }: { errors?: string[]; id: string }) {
  return errors ? (
    <p id={id} className="mt-1 text-sm text-red-700 dark:text-red-300" data-testid="field-error">
      {errors.join(' ')}
    </p>
  ) : null;
}
