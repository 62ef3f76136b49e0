import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { inactiveJobStatuses } from '@/db/enums';
import { JobControls } from '@/components/job-controls';
import { PriorityControl } from '@/components/queue-controls';
import { JobLiveStatus } from '@/components/live/job-live-header';
import { LiveControls, NoScriptNotice } from '@/components/live/live-controls';
import { LiveAnnouncer } from '@/components/live/live-announcer';
import { JobPageLive } from '@/components/live/refresh-on-events';
import { listArtifactsForViewer } from '@/jobs/artifacts';
import { findTask, taskSteps } from '@/jobs/catalogue';
import { canControlJobs, canManageQueues } from '@/jobs/permissions';
import { positionInLine } from '@/jobs/queues';
import { getDb } from '@/db/client';
import { getJobForViewer, logFilters, readJobLog, type JobDetails, type JobLogLine, type LogFilter } from '@/jobs/queries';
import { taskFormFields } from '@/jobs/task-form';
import { LocalTime } from '@/components/time-zone';
import { formatBytes, jobDuration } from '@/lib/format';
import { safeHref } from '@/lib/safe-href';
import { env } from '@/lib/env';
import { requireViewer } from '@/lib/session';

export const metadata: Metadata = { title: 'Job details' };

/** Job ids are positive integers; anything else is a job that does not exist. */
function parseJobId(raw: string): number | null {
  if (!/^[1-9]\d{0,14}$/.test(raw)) return null;
  return Number(raw);
}

const cursor = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined);
const searchSchema = z.object({
  log: z.enum(logFilters).catch('all'),
  logBefore: cursor,
  logAfter: cursor,
});

/** The job's arguments in the order and with the labels of its task's form (jsonb does not keep key order). */
function configurationOf(taskName: string, payload: Record<string, unknown>) {
  const task = findTask(taskName);
  const fields = task ? taskFormFields(task) : [];
  const known = fields.filter((field) => field.name in payload).map((field) => ({ name: field.name, label: field.label, value: payload[field.name] }));
  const others = Object.keys(payload)
    .filter((name) => !fields.some((field) => field.name === name))
    .sort()
    .map((name) => ({ name, label: name, value: payload[name] }));
  return [...known, ...others];
}

/** The outcome in words, as AtoM and the seed consoles put it. */
function resultInWords(job: JobDetails): string {
  if (job.status === 'completed') return job.errors > 0 ? 'Completed with errors' : job.warnings > 0 ? 'Completed with warnings' : 'OK';
  if (job.status === 'failed') return 'Failed';
  if (job.status === 'cancelled') return 'Cancelled';
  return 'Not finished yet';
}

/** The figures a task returned: the top-level numbers, words and flags of its result. */
function metricsOf(result: unknown): [string, string][] {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return [];
  return Object.entries(result as Record<string, unknown>)
    .filter(([, value]) => ['number', 'string', 'boolean'].includes(typeof value))
    .map(([key, value]) => [key, String(value)]);
}

const levelStyles = { info: 'text-slate-700 dark:text-slate-300', warning: 'text-amber-800 dark:text-amber-300', error: 'text-red-700 dark:text-red-300' } as const;
const filterNames: Record<LogFilter, string> = { all: 'All', warning: 'Warnings and errors', error: 'Errors' };
const section = 'rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4';

function LogLines({ lines, testId }: { lines: JobLogLine[]; testId: string }) {
  return (
    <ol className="max-h-[32rem] overflow-auto rounded bg-slate-50 dark:bg-slate-800 p-2 font-mono text-xs" data-testid={testId}>
      {lines.map((line) => (
        <li key={line.id} className={`whitespace-pre-wrap break-words ${levelStyles[line.level]}`} data-level={line.level}>
          <LocalTime date={line.at} className="text-slate-500 dark:text-slate-400" />{' '}
          <span className="font-semibold uppercase">{line.level}</span> {line.message}
        </li>
      ))}
    </ol>
  );
}

export default async function JobDetailsPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer();
  const id = parseJobId((await params).id);
  if (id === null) notFound();
  const job = await getJobForViewer(viewer, id);
  if (!job) notFound();
  const search = searchSchema.parse(await searchParams);
  const [log, recent, artifacts] = await Promise.all([
    readJobLog(viewer, id, { filter: search.log, before: search.logBefore, after: search.logAfter }),
    readJobLog(viewer, id, { limit: 10 }),
    listArtifactsForViewer(viewer, id),
  ]);
  const waiting = job.status === 'queued' || job.status === 'retrying' || job.status === 'scheduled';
  const line = waiting && !job.queuePaused ? await positionInLine(getDb(), job.id) : null;
  const steps = taskSteps(job.task, job.payload);
  const currentStep = job.step ? (steps?.indexOf(job.step) ?? -1) : -1;
  const metrics = metricsOf(job.result);
  const finished = (inactiveJobStatuses as readonly string[]).includes(job.status);
  const logHref = (query: Record<string, string | number>) => {
    const params = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]));
    const text = params.toString();
    return `/jobs/${id}${text ? `?${text}` : ''}#log`;
  };
  const filterQuery: Record<string, string> = search.log === 'all' ? {} : { log: search.log };

  const overview: [string, React.ReactNode][] = [
    ['Job id', job.id],
    ['Task', <code key="task">{job.task}</code>],
    ['Started by', job.startedBy ?? '—'],
    ['Origin', job.origin],
    [
      'Priority',
      waiting && canManageQueues(viewer) ? <PriorityControl key="priority" jobId={job.id} priority={job.priority} /> : job.priority,
    ],
    ['Queue', job.queuePaused ? <span key="queue" className="text-amber-800 dark:text-amber-300" data-testid="queue-paused">{job.queue} (paused)</span> : job.queue],
    ['Queued', <LocalTime key="queued" date={job.createdAt} />],
    ['Started', <LocalTime key="started" date={job.startedAt} fallback="Not yet" />],
    ['Finished', <LocalTime key="finished" date={job.finishedAt} fallback="N/A" />],
    ['Duration', jobDuration(job.startedAt, job.finishedAt) || '—'],
    ['Attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['Worker', job.workerId ?? '—'],
    ...(waiting
      ? ([
          [
            'In line',
            <span key="line" data-testid="job-position">
              {job.queuePaused
                ? `Waiting for queue ${job.queue} to resume`
                : line
                  ? `${line.position} of ${line.of}`
                  : job.runAt > new Date()
                    ? <>Due <LocalTime date={job.runAt} /></>
                    : 'About to start'}
            </span>,
          ],
        ] as [string, React.ReactNode][])
      : []),
    ['Warnings / errors', `${job.warnings} / ${job.errors}`],
    ['Result', <span key="result" data-testid="job-outcome">{resultInWords(job)}</span>],
  ];
  if (job.retryOf) overview.push(['Retry of', <Link key="retry" href={`/jobs/${job.retryOf}`} className="text-blue-700 dark:text-blue-300 hover:underline">Job {job.retryOf}</Link>]);
  if (job.retries.length > 0) {
    overview.push([
      'Retried as',
      <span key="retries" className="flex flex-wrap gap-2">
        {job.retries.map((retry) => (
          <Link key={retry} href={`/jobs/${retry}`} className="text-blue-700 dark:text-blue-300 hover:underline">
            Job {retry}
          </Link>
        ))}
      </span>,
    ]);
  }
  const related = safeHref(job.relatedUrl);
  if (related) {
    overview.push(['Related record', <a key="related" href={related} rel="noopener noreferrer nofollow" className="break-all text-blue-700 dark:text-blue-300 hover:underline">{related}</a>]);
  }
  if (job.clearedAt) overview.push(['Cleared', <LocalTime key="cleared" date={job.clearedAt} />]);
  const configuration = configurationOf(job.task, job.payload);

  return (
    <div className="space-y-6">
      <JobPageLive jobId={job.id} renderedEventId={job.eventId} />
      <LiveAnnouncer jobs={[{ id: job.id, status: job.status }]} renderedAt={job.eventId} onlyJobId={job.id} />
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <Link href="/jobs" className="text-sm text-blue-700 dark:text-blue-300 hover:underline">
            ← Jobs
          </Link>
          <h1 className="mt-2 text-xl font-semibold">{job.title}</h1>
          <JobLiveStatus job={job} />
          {job.stuck ? (
            <p className="mt-2 text-sm font-medium text-red-800 dark:text-red-300" data-testid="job-stuck">
              Stuck: no progress or heartbeat for more than {env().STUCK_AFTER_MINUTES} minutes. Force-stop it if it will not recover.
            </p>
          ) : null}
          {canControlJobs(viewer) ? (
            <div className="mt-3">
              <JobControls jobId={job.id} status={job.status} stopRequested={job.cancelRequestedAt !== null} />
            </div>
          ) : null}
        </div>
        <LiveControls />
        <NoScriptNotice />
      </div>

      <section aria-labelledby="overview" className={section}>
        <h2 id="overview" className="mb-3 font-semibold">Overview</h2>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3">
          {overview.map(([label, value]) => (
            <div key={label} className="flex gap-2">
              <dt className="w-36 shrink-0 max-sm:w-24 text-slate-500 dark:text-slate-400">{label}</dt>
              <dd className="min-w-0 break-words">{value}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="progress" className={section}>
        <h2 id="progress" className="mb-3 font-semibold">Progress</h2>
        {steps && steps.length > 0 ? (
          <ol className="mb-3 flex flex-wrap gap-x-4 gap-y-1 text-sm" data-testid="job-steps">
            {steps.map((name, index) => {
              const done = job.status === 'completed' || index < currentStep;
              const current = index === currentStep && job.status !== 'completed';
              return (
                <li key={name} aria-current={current ? 'step' : undefined} className={current ? 'font-semibold text-blue-800 dark:text-blue-300' : done ? 'text-slate-700 dark:text-slate-300' : 'text-slate-500 dark:text-slate-400'}>
                  <span aria-hidden="true">{done ? '✓ ' : current ? '▸ ' : '○ '}</span>
                  {name}
                  {current ? <span className="sr-only"> (current step)</span> : done ? <span className="sr-only"> (done)</span> : null}
                </li>
              );
            })}
          </ol>
        ) : job.step ? (
          <p className="mb-3 text-sm text-slate-700 dark:text-slate-300">Current step: {job.step}</p>
        ) : null}
        <h3 className="mb-1 text-sm font-medium text-slate-600 dark:text-slate-400">Last log lines</h3>
        {recent.lines.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">Nothing logged yet.</p> : <LogLines lines={recent.lines} testId="job-recent-log" />}
      </section>

      <section aria-labelledby="results" className={section}>
        <h2 id="results" className="mb-3 font-semibold">Results</h2>
        <h3 className="mb-1 text-sm font-medium text-slate-600 dark:text-slate-400">Files</h3>
        {artifacts.length === 0 ? (
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">{finished ? 'This job produced no files.' : 'No files yet.'}</p>
        ) : (
          <ul className="mb-3 space-y-1 text-sm" data-testid="job-artifacts">
            {artifacts.map((file) => (
              <li key={file.id}>
                <a href={`/api/jobs/${job.id}/artifacts/${file.id}`} download className="text-blue-700 dark:text-blue-300 hover:underline">
                  {file.name}
                </a>{' '}
                <span className="text-slate-500 dark:text-slate-400">
                  {file.contentType} · {formatBytes(file.size)} · attempt {file.attempt}
                </span>
              </li>
            ))}
          </ul>
        )}
        {metrics.length > 0 ? (
          <>
            <h3 className="mb-1 text-sm font-medium text-slate-600 dark:text-slate-400">Figures</h3>
            <dl className="mb-3 grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-2" data-testid="job-metrics">
              {metrics.map(([key, value]) => (
                <div key={key} className="flex gap-2">
                  <dt className="w-36 shrink-0 max-sm:w-24 text-slate-500 dark:text-slate-400">{key}</dt>
                  <dd className="min-w-0 break-words">{value}</dd>
                </div>
              ))}
            </dl>
          </>
        ) : null}
        {job.error ? (
          <p className="mb-2 text-sm text-red-800 dark:text-red-300">
            <span className="font-semibold">{job.status === 'failed' ? 'Error: ' : 'Last error: '}</span>
            <span data-testid="job-error">{job.error}</span>
          </p>
        ) : null}
        {job.attemptErrors.length > 0 ? (
          <>
            <h3 className="mb-1 text-sm font-medium text-red-800 dark:text-red-300">Errors, by attempt</h3>
            <ol className="mb-3 space-y-2 text-sm" data-testid="job-attempt-errors">
              {job.attemptErrors.map((failure) => (
                <li key={`${failure.attempt}-${failure.at}`} className="rounded border border-red-200 dark:border-red-900 p-2">
                  <p className="text-red-800 dark:text-red-300">
                    <span className="font-semibold">
                      Attempt {failure.attempt}: {failure.kind === 'interrupted' ? 'crashed (interrupted)' : 'error'}
                    </span>{' '}
                    — {failure.message}
                  </p>
                  <p className="text-xs text-slate-500 dark:text-slate-400">
                    <LocalTime date={failure.at} />
                    {failure.workerId ? ` · worker ${failure.workerId}` : ''}
                  </p>
                  {failure.stack ? (
                    <details className="mt-1">
                      <summary className="cursor-pointer text-xs text-slate-600 dark:text-slate-400">Stack trace</summary>
                      <pre className="mt-1 max-h-96 overflow-auto whitespace-pre rounded bg-slate-50 dark:bg-slate-800 p-2 font-mono text-xs" data-testid="job-stack">
                        {failure.stack}
                      </pre>
                    </details>
                  ) : null}
                </li>
              ))}
            </ol>
          </>
        ) : null}
        {job.result === null || job.result === undefined ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">{job.status === 'completed' ? 'The task returned no result.' : finished ? 'No result.' : 'No result yet.'}</p>
        ) : (
          <details open={metrics.length === 0}>
            <summary className="cursor-pointer text-sm text-slate-600 dark:text-slate-400">Result as returned (JSON)</summary>
            <pre className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 dark:bg-slate-800 p-2 font-mono text-xs" data-testid="job-result">
              {JSON.stringify(job.result, null, 2)}
            </pre>
          </details>
        )}
      </section>

      <section aria-labelledby="configuration" className={section}>
        <h2 id="configuration" className="mb-3 font-semibold">Configuration</h2>
        {configuration.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">This job takes no arguments.</p>
        ) : (
          <dl className="space-y-2 text-sm">
            {configuration.map(({ name, label, value }) => (
              <div key={name}>
                <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
                <dd>
                  <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 dark:bg-slate-800 px-2 py-1 font-mono text-xs">
                    {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
                  </pre>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </section>

      <section aria-labelledby="log" className={section}>
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          <h2 id="log" className="font-semibold">Log</h2>
          <nav aria-label="Log levels">
            <ul className="flex gap-3 text-sm">
              {logFilters.map((filter) => (
                <li key={filter}>
                  <Link
                    href={logHref(filter === 'all' ? {} : { log: filter })}
                    aria-current={filter === search.log ? 'true' : undefined}
                    scroll={false}
                    className={filter === search.log ? 'font-semibold text-slate-900 dark:text-slate-100' : 'text-blue-700 dark:text-blue-300 hover:underline'}
                  >
                    {filterNames[filter]}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        </div>
        {log.lines.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">{search.log === 'all' ? 'Nothing logged yet.' : `No ${filterNames[search.log].toLowerCase()} logged.`}</p>
        ) : (
          <LogLines lines={log.lines} testId="job-log" />
        )}
        {log.earlier !== null || log.later !== null ? (
          <nav aria-label="Log pages" className="mt-2 flex justify-between text-sm">
            {log.earlier !== null ? (
              <Link href={logHref({ ...filterQuery, logBefore: log.earlier })} scroll={false} className="text-blue-700 dark:text-blue-300 hover:underline">
                ← Earlier lines
              </Link>
            ) : (
              <span />
            )}
            {log.later !== null ? (
              <span className="flex gap-4">
                <Link href={logHref({ ...filterQuery, logAfter: log.later })} scroll={false} className="text-blue-700 dark:text-blue-300 hover:underline">
                  Later lines →
                </Link>
                <Link href={logHref(filterQuery)} scroll={false} className="text-blue-700 dark:text-blue-300 hover:underline">
                  Latest
                </Link>
              </span>
            ) : null}
          </nav>
        ) : null}
      </section>
    </div>
  );
}
