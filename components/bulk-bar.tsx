'use client';

import { jobPriorities } from '@/db/enums';
import { bulkActions, bulkActionNames } from '@/jobs/bulk-names';

/**
 * The jobs page's bulk actions: an action, and whether it applies to the checked rows or to the
 * whole view. Submitting goes to a preview that counts the jobs and asks for confirmation.
 */
export function BulkBar({ formId, filter, canPrioritise }: { formId: string; filter: string; canPrioritise: boolean }) {
  return (
    <div className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 px-3 py-2 text-sm">
      <label htmlFor="bulk-action" className="text-slate-600 dark:text-slate-400">
        With
      </label>
      <select id="bulk-action" name="action" form={formId} className="rounded-md border border-slate-300 dark:border-slate-600 px-2 py-1">
        {bulkActions
          .filter((action) => canPrioritise || action !== 'priority')
          .map((action) => (
            <option key={action} value={action}>
              {bulkActionNames[action]}
            </option>
          ))}
      </select>
      {canPrioritise ? (
        <>
          <label htmlFor="bulk-priority" className="text-slate-600 dark:text-slate-400">
            new priority
          </label>
          <select id="bulk-priority" name="priority" form={formId} defaultValue="high" className="rounded-md border border-slate-300 dark:border-slate-600 px-2 py-1">
            {jobPriorities.map((priority) => (
              <option key={priority} value={priority}>
                {priority}
              </option>
            ))}
          </select>
        </>
      ) : null}
      <input type="hidden" name="view" value={filter} form={formId} />
      <button type="submit" name="scope" value="selected" form={formId} className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1 hover:bg-slate-100 dark:hover:bg-slate-800">
        Apply to selected jobs…
      </button>
      <button type="submit" name="scope" value="view" form={formId} className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1 hover:bg-slate-100 dark:hover:bg-slate-800">
        Apply to every job in this view…
      </button>
    </div>
  );
}

/** Checks or unchecks every row's box on the page. */
export function SelectAll({ formId }: { formId: string }) {
  return (
    <input
      type="checkbox"
      aria-label="Select every job on this page"
      onChange={(event) => {
        for (const box of document.querySelectorAll<HTMLInputElement>(`input[type=checkbox][name=ids][form="${formId}"]`)) box.checked = event.target.checked;
      }}
    />
  );
}
