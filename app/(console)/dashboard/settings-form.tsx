'use client';

import { useActionState } from 'react';
import { SubmitButton } from '@/components/submit-button';
import type { DashboardSettings } from '@/jobs/settings';
import { saveDashboardSettings, type SettingsFormState } from './actions';

const thresholdRows = [
  { name: 'queueLength', label: 'Queue length (waiting jobs)', note: 'more is worse' },
  { name: 'waitMinutes', label: 'Oldest wait (minutes)', note: 'more is worse' },
  { name: 'ratePerMinute', label: 'Processing rate (jobs per minute)', note: 'fewer is worse; judged only while jobs wait' },
  { name: 'failurePercent', label: 'Failure rate (% of the last hour)', note: 'more is worse' },
] as const;

const alertFields = [
  { name: 'queueLength', label: 'A queue holds more waiting jobs than' },
  { name: 'failurePercent', label: 'Failed jobs in the last hour above (%)' },
  { name: 'stuckJobs', label: 'More stuck running jobs than' },
  { name: 'waitMinutes', label: 'A job has waited longer than (minutes)' },
] as const;

function FieldError({ errors }: { errors?: string[] }) {
  return errors?.length ? <p className="mt-1 text-xs text-red-700 dark:text-red-300">{errors.join(' ')}</p> : null;
}

const input = 'w-24 rounded-md border border-slate-300 dark:border-slate-600 px-2 py-1 text-sm';

/** The admins' form for thresholds and alert rules; errors show next to their fields. */
export function SettingsForm({ settings }: { settings: DashboardSettings }) {
  const [state, action, pending] = useActionState<SettingsFormState, FormData>(saveDashboardSettings, {});
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} className="space-y-4 text-sm" aria-describedby="settings-status">
      <table className="min-w-full text-left">
        <caption className="sr-only">Thresholds that colour the queue figures</caption>
        <thead className="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
          <tr>
            <th scope="col" className="py-1 pr-3">Figure</th>
            <th scope="col" className="py-1 pr-3">Warning from</th>
            <th scope="col" className="py-1 pr-3">Critical beyond</th>
          </tr>
        </thead>
        <tbody>
          {thresholdRows.map((row) => (
            <tr key={row.name}>
              <th scope="row" className="py-1 pr-3 font-normal">
                {row.label} <span className="text-xs text-slate-500 dark:text-slate-400">({row.note})</span>
              </th>
              {(['warning', 'critical'] as const).map((level) => {
                const name = `thresholds.${row.name}.${level}`;
                return (
                  <td key={level} className="py-1 pr-3">
                    <input name={name} aria-label={`${row.label}, ${level}`} defaultValue={settings.thresholds[row.name][level]} inputMode="decimal" className={input} />
                    <FieldError errors={errors[name]} />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <fieldset className="grid gap-3 sm:grid-cols-2">
        <legend className="mb-2 font-medium">Alert when</legend>
        {alertFields.map((field) => {
          const name = `alerts.${field.name}`;
          return (
            <label key={field.name} className="flex flex-wrap items-center gap-2">
              <span className="w-72">{field.label}</span>
              <input name={name} defaultValue={settings.alerts[field.name]} inputMode="decimal" className={input} />
              <FieldError errors={errors[name]} />
            </label>
          );
        })}
        <label className="flex flex-wrap items-center gap-2 sm:col-span-2">
          <span className="w-72">Webhook (a JSON POST when an alert starts and clears)</span>
          <input name="alerts.webhookUrl" type="url" placeholder="https://hooks.example.com/…" defaultValue={settings.alerts.webhookUrl ?? ''} className="w-96 max-w-full rounded-md border border-slate-300 dark:border-slate-600 px-2 py-1" />
          <FieldError errors={errors['alerts.webhookUrl']} />
        </label>
      </fieldset>
      <div className="flex items-center gap-3">
        <SubmitButton pending={pending} label="Save settings" pendingLabel="Saving…" />
        <p id="settings-status" role="status" className={state.error ? 'text-red-700 dark:text-red-300' : 'text-green-700 dark:text-green-300'}>
          {state.error ?? state.notice ?? ''}
        </p>
      </div>
    </form>
  );
}
