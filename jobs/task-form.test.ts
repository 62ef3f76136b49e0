import { describe, expect, it } from 'vitest';
import { findTask } from './catalogue';
import { argumentsFromForm, taskFormFields } from './task-form';

const form = (entries: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(entries)) data.set(name, value);
  return data;
};

describe('launch forms generated from task schemas', () => {
  it('describes each field of the long-running task with its kind, limits and default', () => {
    expect(taskFormFields(findTask('long-running')!)).toEqual([
      { name: 'durationSeconds', label: 'Duration (seconds)', description: 'How long the whole job takes.', kind: 'integer', required: false, min: 1, max: 3600, maxLength: undefined, defaultValue: 30 },
      { name: 'steps', label: 'Steps', description: 'How many steps the work is split into.', kind: 'integer', required: false, min: 1, max: 100, maxLength: undefined, defaultValue: 10 },
      {
        name: 'ignoreStopRequests',
        label: 'Ignore stop requests',
        description: 'Keep working when asked to stop, as a badly behaved task would: only a force stop ends it.',
        kind: 'checkbox',
        required: false,
        min: undefined,
        max: undefined,
        maxLength: undefined,
        defaultValue: false,
      },
    ]);
  });

  it('knows textareas, selects, URLs and checkboxes', () => {
    const kinds = (task: string) => Object.fromEntries(taskFormFields(findTask(task)!).map((field) => [field.name, field.kind]));
    expect(kinds('csv-import-check')).toEqual({ csv: 'textarea', requiredColumns: 'text', delimiter: 'select', source: 'url' });
    expect(kinds('queue-maintenance')).toEqual({ deletePermanentlyFailed: 'checkbox', collectUnusedNames: 'checkbox', analyze: 'checkbox' });
    expect(kinds('history-report')).toEqual({ from: 'date', to: 'date' });
  });

  it('marks a field without a default as required', () => {
    expect(taskFormFields(findTask('csv-import-check')!).find((field) => field.name === 'csv')?.required).toBe(true);
  });

  it('turns numbers into numbers, leaves empty fields out and keeps non-numbers for the schema to refuse', () => {
    const task = findTask('long-running')!;
    expect(argumentsFromForm(task, form({ durationSeconds: ' 12 ', steps: '' }))).toEqual({ durationSeconds: 12, ignoreStopRequests: false });
    expect(argumentsFromForm(task, form({ durationSeconds: '12abc' }))).toEqual({ durationSeconds: '12abc', ignoreStopRequests: false });
  });

  it('reads an unchecked checkbox as false', () => {
    expect(argumentsFromForm(findTask('queue-maintenance')!, form({ analyze: 'on' }))).toEqual({
      deletePermanentlyFailed: false,
      collectUnusedNames: false,
      analyze: true,
    });
  });
});
