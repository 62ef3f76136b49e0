import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { JobStatusBadge } from '@/components/job-status-badge';
import { ProgressBar } from '@/components/progress-bar';
import { findTask } from '@/jobs/catalogue';
import { getJobForViewer } from '@/jobs/queries';
import { taskFormFields } from '@/jobs/task-form';
import { formatDateTime, jobDuration } from '@/lib/format';
import { safeHref } from '@/lib/safe-href';
import { requireViewer } from '@/lib/session';

export const metadata: Metadata = { title: 'Job details' };

/** Job ids are positive integers; anything else is a job that does not exist. */
function parseJobId(raw: string): number | null {
  if (!/^[1-9]\d{0,14}$/.test(raw)) return null;
  return Number(raw);
}

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

const levelStyles = { info: 'text-slate-700', warning: 'text-amber-800', error: 'text-red-700' } as const;

export default async function JobDetailsPage({ params }: { params: Promise<{ id: string }> }) {
  const viewer = await requireViewer();
  const id = parseJobId((await params).id);
  if (id === null) notFound();
  const job = await getJobForViewer(viewer, id);
  if (!job) notFound();

  const overview: [string, React.ReactNode][] = [
    ['Job id', job.id],
    ['Task', <code key="task">{job.task}</code>],
    ['Started by', job.startedBy ?? '—'],
    ['Origin', job.origin],
    ['Priority', job.priority],
    ['Queue', job.queue],
    ['Queued', formatDateTime(job.createdAt)],
    ['Started', formatDateTime(job.startedAt) || 'Not yet'],
    ['Finished', formatDateTime(job.finishedAt) || 'N/A'],
    ['Duration', jobDuration(job.startedAt, job.finishedAt) || '—'],
    ['Attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['Warnings / errors', `${job.warnings} / ${job.errors}`],
    ['Worker', job.workerId ?? '—'],
  ];
  if (job.retryOf) overview.push(['Retry of', <Link key="retry" href={`/jobs/${job.retryOf}`} className="text-blue-700 hover:underline">Job {job.retryOf}</Link>]);
  const related = safeHref(job.relatedUrl);
  if (related) {
    overview.push(['Related record', <a key="related" href={related} rel="noopener noreferrer nofollow" className="break-all text-blue-700 hover:underline">{related}</a>]);
  }
  const configuration = configurationOf(job.task, job.payload);
  if (job.clearedAt) overview.push(['Cleared', formatDateTime(job.clearedAt)]);

  return (
    <div className="space-y-6">
      <div>
        <Link href="/jobs" className="text-sm text-blue-700 hover:underline">
          ← Jobs
        </Link>
        <h1 className="mt-2 flex flex-wrap items-center gap-3 text-xl font-semibold">
          {job.title} <JobStatusBadge status={job.status} />
        </h1>
        {job.message ? <p className="mt-1 text-slate-700" data-testid="job-message">{job.message}</p> : null}
        {job.status === 'running' ? (
          <div className="mt-2 flex items-center gap-3 text-sm text-slate-600">
            <ProgressBar value={job.progress} label="Job progress" />
            <span>
              {Math.round(job.progress * 100)} %{job.step ? ` · ${job.step}` : ''}
            </span>
          </div>
        ) : null}
      </div>

      <section aria-labelledby="overview" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="overview" className="mb-3 font-semibold">Overview</h2>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3">
          {overview.map(([label, value]) => (
            <div key={label} className="flex gap-2">
              <dt className="w-36 shrink-0 text-slate-500">{label}</dt>
              <dd className="min-w-0 break-words">{value}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="configuration" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="configuration" className="mb-3 font-semibold">Configuration</h2>
        {configuration.length === 0 ? (
          <p className="text-sm text-slate-600">This job takes no arguments.</p>
        ) : (
          <dl className="space-y-2 text-sm">
            {configuration.map(({ name, label, value }) => (
              <div key={name}>
                <dt className="text-slate-500">{label}</dt>
                <dd>
                  <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 px-2 py-1 font-mono text-xs">
                    {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
                  </pre>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </section>

      {job.error ? (
        <section aria-labelledby="error" className="rounded-lg border border-red-200 bg-white p-4">
          <h2 id="error" className="mb-2 font-semibold text-red-800">Error</h2>
          <p className="text-sm text-red-800" data-testid="job-error">{job.error}</p>
          {job.errorStack ? (
            <details className="mt-2">
              <summary className="cursor-pointer text-sm text-slate-600">Stack trace</summary>
              <pre className="mt-2 max-h-96 overflow-auto whitespace-pre rounded bg-slate-50 p-2 font-mono text-xs">{job.errorStack}</pre>
            </details>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="result" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="result" className="mb-3 font-semibold">Result</h2>
        {job.result === null || job.result === undefined ? (
          <p className="text-sm text-slate-600">{job.status === 'completed' ? 'The task returned no result.' : 'No result yet.'}</p>
        ) : (
          <pre className="max-h-96 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 p-2 font-mono text-xs" data-testid="job-result">
            {JSON.stringify(job.result, null, 2)}
          </pre>
        )}
      </section>

      <section aria-labelledby="log" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="log" className="mb-3 font-semibold">Log</h2>
        {job.logTruncated ? <p className="mb-2 text-xs text-slate-500">Showing the last {job.log.length} lines.</p> : null}
        {job.log.length === 0 ? (
          <p className="text-sm text-slate-600">Nothing logged yet.</p>
        ) : (
          <ol className="max-h-[32rem] overflow-auto rounded bg-slate-50 p-2 font-mono text-xs" data-testid="job-log">
            {job.log.map((line) => (
              <li key={line.id} className={`whitespace-pre-wrap break-words ${levelStyles[line.level]}`}>
                <time dateTime={line.at.toISOString()} className="text-slate-500">{formatDateTime(line.at)}</time>{' '}
                <span className="font-semibold uppercase">{line.level}</span> {line.message}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
