import { describe, expect, it } from 'vitest';
import { taskSteps } from './catalogue';

describe('taskSteps', () => {
  it('lists the steps a task reports, for its arguments', () => {
    expect(taskSteps('long-running', { durationSeconds: 3, steps: 3 })).toEqual(['Step 1 of 3', 'Step 2 of 3', 'Step 3 of 3']);
    expect(taskSteps('history-report', { from: '2026-01-01', to: '2026-01-31' })).toEqual(['Counting jobs', 'Writing the CSV file']);
    expect(taskSteps('csv-import-check', { csv: 'identifier,title\nA1,x' })).toEqual(['Reading the CSV text', 'Checking the rows']);
  });

  it('is null for a task without named steps, an unknown task, or arguments that no longer pass', () => {
    expect(taskSteps('failing', {})).toBeNull();
    expect(taskSteps('no-such-task', {})).toBeNull();
    expect(taskSteps('long-running', { durationSeconds: 3, steps: 'many' })).toBeNull();
  });
});
