import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { neutraliseCsvCell } from '@/lib/csv';
import { summariseJobHistory } from '../queries';
import { defineTask } from '../task';

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const dateField = (title: string, description: string, fallback: () => string) =>
  z
    .iso.date({ error: 'Enter a date as YYYY-MM-DD' })
    .refine((day) => day >= '1970-01-01' && day <= '2999-12-31', 'Enter a date between 1970 and 2999')
    .default(fallback)
    .meta({ title, description });

/** Summarises the job history by task and status over a date range, as a table and a CSV file. */
export const historyReportTask = defineTask({
  name: 'history-report',
  title: 'Job history report',
  description: 'Counts the jobs you can see by task and status over a date range, with their mean run time, and produces the table as a CSV file.',
  category: 'Reports',
  launchableBy: 'user',
  defaultPriority: 'low',
  queue: 'reports',
  maxAttempts: 3,
  schema: z
    .object({
      from: dateField('From', 'First day included (UTC).', () => isoDay(new Date(Date.now() - 30 * DAY_MS))),
      to: dateField('To', 'Last day included (UTC).', () => isoDay(new Date())),
    })
    .refine((range) => range.from <= range.to, { path: ['to'], message: 'The end date must be on or after the start date' }),
  describe: ({ from, to }) => `Job history report ${from} to ${to}`,
  steps: () => ['Counting jobs', 'Writing the CSV file'],
  async run({ payload, log, progress, artifact, launchedBy, db }) {
    await progress(0.1, 'Counting jobs');
    const from = new Date(`${payload.from}T00:00:00Z`);
    const to = new Date(new Date(`${payload.to}T00:00:00Z`).getTime() + DAY_MS);
    const rows = await summariseJobHistory(launchedBy, from, to, db);
    await progress(0.8, 'Writing the CSV file');
    const csv = stringify(rows, {
      header: true,
      // Whatever a text cell holds, a spreadsheet opening the file must show it, not run it.
      cast: { string: neutraliseCsvCell },
      columns: [
        { key: 'task', header: 'task' },
        { key: 'status', header: 'status' },
        { key: 'jobs', header: 'jobs' },
        { key: 'meanSeconds', header: 'meanSeconds' },
      ],
    });
    await artifact(`job-history-${payload.from}-to-${payload.to}.csv`, 'text/csv; charset=utf-8', csv);
    const total = rows.reduce((sum, row) => sum + row.jobs, 0);
    await log('info', `Summarised ${total} jobs in ${rows.length} task/status groups from ${payload.from} to ${payload.to}.`);
    return { from: payload.from, to: payload.to, totalJobs: total, rows };
  },
});
