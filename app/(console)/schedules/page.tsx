import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { JobStatusBadge } from '@/components/job-status-badge';
import { LiveControls, NoScriptNotice } from '@/components/live/live-controls';
import { JobsPageLive } from '@/components/live/refresh-on-events';
import { getDb } from '@/db/client';
import { tasksLaunchableBy } from '@/jobs/catalogue';
import { canManageSchedules, listSchedules, scheduleRuns, type ScheduleResult, type ScheduleRun, type ScheduleState } from '@/jobs/schedules';
import { taskFormFields } from '@/jobs/task-form';
import { inactiveTaskNames } from '@/jobs/task-settings';
import type { TaskDefinition } from '@/jobs/task';
import { LocalTime } from '@/components/time-zone';
import { currentEventId } from '@/lib/live/stream';
import { requireViewer } from '@/lib/session';
import { NewScheduleForm, type ScheduleTaskOption } from './schedule-form';
import { ScheduleControls } from './schedule-controls';

export const metadata: Metadata = { title: 'Schedules' };

const RUNS_SHOWN = 5;

const stateStyles: Record<ScheduleState, string> = {
  running: 'bg-blue-50 dark:bg-blue-950 text-blue-800 dark:text-blue-300 ring-blue-300 dark:ring-blue-800',
  scheduled: 'bg-green-50 dark:bg-green-950 text-green-800 dark:text-green-300 ring-green-300 dark:ring-green-800',
  idle: 'bg-slate-100 dark:bg-slate-800 text-slate-700 dark:text-slate-300 ring-slate-300 dark:ring-slate-600',
};
const stateLabels: Record<ScheduleState, string> = { running: 'Running', scheduled: 'Scheduled', idle: 'Idle' };

const resultLabels: Record<ScheduleResult, string> = {
  ok: 'OK',
  warnings: 'With warnings',
  errors: 'With errors',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
const resultStyles: Record<ScheduleResult, string> = {
  ok: 'text-green-800 dark:text-green-300',
  warnings: 'text-amber-800 dark:text-amber-300',
  errors: 'text-red-700 dark:text-red-300',
  failed: 'text-red-700 dark:text-red-300',
  cancelled: 'text-zinc-700 dark:text-zinc-300',
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A job's outcome in words, with its warning and error counts. */
function Result({ result, warnings, errors }: { result: ScheduleResult | null; warnings: number; errors: number }) {
  if (result === null) return <span className="text-slate-500 dark:text-slate-400">Not finished yet</span>;
  return (
    <span data-result={result}>
      <span className={`font-medium ${resultStyles[result]}`}>{resultLabels[result]}</span>
      <span className="text-slate-500 dark:text-slate-400">
        {' '}
        ({plural(warnings, 'warning')}, {plural(errors, 'error')})
      </span>
    </span>
  );
}

/** The task's arguments and their defaults, for the form's help and placeholder. */
function taskOption(task: TaskDefinition): ScheduleTaskOption {
  const fields = taskFormFields(task);
  return {
    name: task.name,
    title: task.title,
    defaultPriority: task.defaultPriority,
    arguments: fields.map((field) => ({
      name: field.name,
      label: field.label,
      required: field.required,
      ...(field.defaultValue === undefined ? {} : { defaultValue: JSON.stringify(field.defaultValue) }),
    })),
    example: JSON.stringify(Object.fromEntries(fields.filter((field) => field.defaultValue !== undefined).map((field) => [field.name, field.defaultValue]))),
  };
}

const levelStyles = { info: 'text-slate-700 dark:text-slate-300', warning: 'text-amber-800 dark:text-amber-300', error: 'text-red-700 dark:text-red-300' } as const;

function Runs({ runs }: { runs: ScheduleRun[] }) {
  if (runs.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-400">No run yet.</p>;
  return (
    <ol className="space-y-3" data-testid="schedule-runs">
      {runs.map((run) => (
        <li key={run.id} className="rounded-md border border-slate-200 dark:border-slate-700 p-3" data-job-id={run.id}>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
            <Link href={`/jobs/${run.id}`} className="font-medium text-blue-700 dark:text-blue-300 hover:underline">
              Job {run.id}
            </Link>
            <JobStatusBadge status={run.status} />
            <Result result={run.result} warnings={run.warnings} errors={run.errors} />
            <span className="text-slate-500 dark:text-slate-400">
              queued <LocalTime date={run.createdAt} />
              {run.finishedAt ? (
                <>
                  {' · ended '}
                  <LocalTime date={run.finishedAt} />
                </>
              ) : run.startedAt ? (
                <>
                  {' · started '}
                  <LocalTime date={run.startedAt} />
                </>
              ) : null}
            </span>
          </div>
          {run.logTail.length > 0 ? (
            <ol className="mt-2 rounded bg-slate-50 dark:bg-slate-800 p-2 font-mono text-xs" aria-label={`Last lines of job ${run.id}'s log`}>
              {run.logTail.map((line) => (
                <li key={line.id} className={`whitespace-pre-wrap break-words ${levelStyles[line.level]}`} data-level={line.level}>
                  <LocalTime date={line.at} className="text-slate-500 dark:text-slate-400" />{' '}
                  <span className="font-semibold uppercase">{line.level}</span> {line.message}
                </li>
              ))}
            </ol>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** Admins: schedules with their state, next and last runs and the last runs' logs; start, stop, delete; a form for a new one. */
export default async function SchedulesPage() {
  const viewer = await requireViewer();
  if (!canManageSchedules(viewer)) notFound();
  const db = getDb();
  const renderedAt = await currentEventId(db);
  const [schedules, inactive] = await Promise.all([listSchedules(db, viewer), inactiveTaskNames(db)]);
  const runs = await Promise.all(schedules.map((schedule) => scheduleRuns(db, viewer, schedule.id, RUNS_SHOWN)));
  const tasks = tasksLaunchableBy(viewer, inactive).map(taskOption);
  // datetime-local's format, in UTC: the form reads it as UTC.
  const firstRunDefault = new Date().toISOString().slice(0, 16);

  return (
    <div className="space-y-6">
      <JobsPageLive tab="all" firstPage shownIds={[]} showsCleared renderedAt={renderedAt} />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">Schedules</h1>
        <LiveControls />
        <NoScriptNotice />
      </div>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Tasks launched at a time, once or again every few minutes, hours, days or months. Their jobs belong to the administrator who created the schedule,
        with origin “schedule”. Times are UTC.
      </p>

      {schedules.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-4 py-6 text-center text-slate-600 dark:text-slate-400">No schedule yet.</p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900">
          <table className="min-w-full text-sm">
            <caption className="sr-only">Schedules</caption>
            <thead className="bg-slate-50 dark:bg-slate-800 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-3 py-2">Schedule</th>
                <th scope="col" className="px-3 py-2">Repeats</th>
                <th scope="col" className="px-3 py-2">State</th>
                <th scope="col" className="px-3 py-2">Next run</th>
                <th scope="col" className="px-3 py-2">Last run</th>
                <th scope="col" className="px-3 py-2">Last result</th>
                <th scope="col" className="px-3 py-2">Owner</th>
                <th scope="col" className="px-3 py-2">Actions</th>
              </tr>
            </thead>
            {schedules.map((schedule, index) => (
              <tbody key={schedule.id} className="border-t border-slate-200 dark:border-slate-700" data-schedule-id={schedule.id}>
                <tr className="align-top">
                  <td className="px-3 py-2">
                    <div className="font-medium">
                      <span className="text-slate-500 dark:text-slate-400">#{schedule.id}</span> {schedule.taskTitle}
                    </div>
                    <code className="block max-w-xs break-all text-xs text-slate-600 dark:text-slate-400" data-testid="schedule-arguments">
                      {JSON.stringify(schedule.arguments)}
                    </code>
                    {schedule.priority ? <div className="text-xs text-slate-500 dark:text-slate-400">priority {schedule.priority}</div> : null}
                  </td>
                  <td className="px-3 py-2" data-testid="schedule-repetition">
                    {schedule.repetition}
                    <div className="text-xs text-slate-500 dark:text-slate-400">from <LocalTime date={schedule.firstRunAt} /></div>
                  </td>
                  <td className="px-3 py-2">
                    <span
                      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${stateStyles[schedule.state]}`}
                      data-testid="schedule-state"
                      data-state={schedule.state}
                    >
                      {stateLabels[schedule.state]}
                    </span>
                    {!schedule.active ? <div className="text-xs text-slate-500 dark:text-slate-400">stopped</div> : null}
                  </td>
                  <td className="px-3 py-2" data-testid="schedule-next-run">
                    <LocalTime date={schedule.nextRunAt} fallback="—" />
                  </td>
                  <td className="px-3 py-2" data-testid="schedule-last-run">
                    <LocalTime date={schedule.lastRunAt} fallback="Never" />
                  </td>
                  <td className="px-3 py-2" data-testid="schedule-last-result">
                    {schedule.lastJob ? (
                      <>
                        <Result result={schedule.lastJob.result} warnings={schedule.lastJob.warnings} errors={schedule.lastJob.errors} />
                        <div>
                          <Link href={`/jobs/${schedule.lastJob.id}`} className="text-xs text-blue-700 dark:text-blue-300 hover:underline">
                            Job {schedule.lastJob.id}
                          </Link>
                        </div>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="px-3 py-2 break-all">{schedule.owner}</td>
                  <td className="px-3 py-2">
                    <ScheduleControls id={schedule.id} active={schedule.active} />
                  </td>
                </tr>
                <tr>
                  <td colSpan={8} className="px-3 pb-3">
                    <details>
                      <summary className="cursor-pointer text-sm text-slate-700 dark:text-slate-300">Last runs ({runs[index]!.length})</summary>
                      <div className="mt-2">
                        <Runs runs={runs[index]!} />
                      </div>
                    </details>
                  </td>
                </tr>
              </tbody>
            ))}
          </table>
        </div>
      )}

      <section aria-labelledby="new-schedule" className="space-y-2">
        <h2 id="new-schedule" className="font-semibold">
          New schedule
        </h2>
        {tasks.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No task can be scheduled: every task is inactive.</p>
        ) : (
          <NewScheduleForm tasks={tasks} firstRunDefault={firstRunDefault} />
        )}
      </section>
    </div>
  );
}
