import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { DurationChart } from '@/components/charts/duration-chart';
import { ThroughputChart } from '@/components/charts/throughput-chart';
import { LiveControls, NoScriptNotice } from '@/components/live/live-controls';
import { RefreshOnAnyEvent } from '@/components/live/refresh-on-events';
import { getDb } from '@/db/client';
import { recentAlerts } from '@/jobs/alerts';
import { EXACT_TOTAL_UP_TO, loadDashboard, type QueueMetrics, type WorkerState } from '@/jobs/dashboard';
import { filterQuery } from '@/jobs/filters';
import { canManageQueues } from '@/jobs/permissions';
import { readDashboardSettings, type Level } from '@/jobs/settings';
import { LocalTime } from '@/components/time-zone';
import { formatDuration } from '@/lib/format';
import { currentEventId } from '@/lib/live/stream';
import { requireViewer } from '@/lib/session';
import { SettingsForm } from './settings-form';

export const metadata: Metadata = { title: 'Dashboard' };

const levelStyles: Record<Level, string> = {
  good: 'bg-green-50 dark:bg-green-950 text-green-800 dark:text-green-300 ring-green-300 dark:ring-green-800',
  warning: 'bg-amber-50 dark:bg-amber-950 text-amber-900 dark:text-amber-200 ring-amber-300 dark:ring-amber-800',
  critical: 'bg-red-50 dark:bg-red-950 text-red-800 dark:text-red-300 ring-red-300 dark:ring-red-800',
};
const levelWords: Record<Level, string> = { good: 'good', warning: 'warning', critical: 'critical' };
const workerStyles: Record<WorkerState, string> = { alive: 'text-green-800 dark:text-green-300', late: 'text-amber-800 dark:text-amber-300', gone: 'text-red-700 dark:text-red-300' };

const number = (value: number) => value.toLocaleString('en-US');
const oneDecimal = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** A figure with its level told in words as well as colour. */
function Figure({ level, children }: { level: Level; children: React.ReactNode }) {
  return (
    <span className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${levelStyles[level]}`} data-level={level}>
      {children}
      <span className="sr-only">({levelWords[level]})</span>
      {level !== 'good' ? <span aria-hidden="true">{level === 'critical' ? '‼' : '!'}</span> : null}
    </span>
  );
}

function Card({ label, value, href, note, testId }: { label: string; value: string; href: string; note?: string; testId: string }) {
  return (
    <Link href={href} className="block rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4 hover:border-blue-400" data-testid={testId}>
      <span className="block text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{label}</span>
      <span className="mt-1 block text-2xl font-semibold" data-testid={`${testId}-value`}>
        {value}
      </span>
      {note ? <span className="block text-xs text-slate-500 dark:text-slate-400">{note}</span> : null}
    </Link>
  );
}

const jobsLink = (filter: Parameters<typeof filterQuery>[0]) => {
  const query = filterQuery(filter).toString();
  return query ? `/jobs?${query}` : '/jobs';
};

function QueueRow({ queue }: { queue: QueueMetrics }) {
  return (
    <tr data-queue={queue.queue}>
      <th scope="row" className="px-3 py-2 text-left font-medium">
        <Link href={jobsLink({ tab: 'active', queue: queue.queue })} className="text-blue-700 dark:text-blue-300 hover:underline">
          {queue.queue}
        </Link>
        {queue.paused ? <span className="ml-2 rounded-full bg-amber-50 dark:bg-amber-950 px-2 py-0.5 text-xs text-amber-800 dark:text-amber-300 ring-1 ring-amber-300 dark:ring-amber-800">Paused</span> : null}
      </th>
      <td className="px-3 py-2">
        <Figure level={queue.levels.queueLength}>{number(queue.waiting)}</Figure>
      </td>
      <td className="px-3 py-2">{number(queue.running)}</td>
      <td className="px-3 py-2">
        <Figure level={queue.levels.wait}>{queue.waitMinutes === null ? '—' : formatDuration(queue.waitMinutes * 60_000)}</Figure>
      </td>
      <td className="px-3 py-2">
        <Figure level={queue.levels.rate}>{oneDecimal(queue.ratePerMinute)}/min</Figure>
      </td>
      <td className="px-3 py-2">
        <Figure level={queue.levels.failure}>{queue.failurePercent === null ? '—' : `${oneDecimal(queue.failurePercent)} %`}</Figure>
      </td>
    </tr>
  );
}

/** Admins: summary cards, queues against thresholds, service health, charts, alerts and their settings. */
export default async function DashboardPage() {
  const viewer = await requireViewer();
  if (!canManageQueues(viewer)) notFound();
  const db = getDb();
  const renderedAt = await currentEventId(db);
  const settings = await readDashboardSettings(db);
  const [dashboard, alertList] = await Promise.all([loadDashboard(db, settings.thresholds), recentAlerts(db, 10)]);
  const { cards, health } = dashboard;
  const yesterday = new Date(dashboard.at.getTime() - 24 * 3600_000).toISOString().slice(0, 10);

  return (
    <div className="space-y-8">
      <RefreshOnAnyEvent renderedAt={renderedAt} />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">Dashboard</h1>
        <LiveControls />
        <NoScriptNotice />
      </div>

      <section aria-labelledby="summary" className="space-y-2">
        <h2 id="summary" className="sr-only">Summary</h2>
        <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
          <Card
            testId="card-total"
            label="Total jobs"
            value={`${cards.total.approximate ? '≈ ' : ''}${number(cards.total.value)}`}
            note={cards.total.approximate ? `PostgreSQL's estimate (over ${number(EXACT_TOTAL_UP_TO)} rows)` : 'in the history'}
            href="/jobs"
          />
          <Card testId="card-running" label="Running" value={number(cards.running)} note={cards.stuck > 0 ? `${number(cards.stuck)} stuck` : undefined} href={jobsLink({ tab: 'all', status: 'running' })} />
          <Card testId="card-waiting" label="Waiting" value={number(cards.waiting)} href={jobsLink({ tab: 'active' })} />
          <Card testId="card-failed" label="Failed, 24 h" value={number(cards.failed24h)} href={jobsLink({ tab: 'failed', from: yesterday })} />
          <Card
            testId="card-success"
            label="Success rate, 24 h"
            value={cards.successRate24h === null ? '—' : `${oneDecimal(cards.successRate24h)} %`}
            note={`${number(cards.completed24h)} completed, ${number(cards.failed24h)} failed`}
            href={jobsLink({ tab: 'all', from: yesterday })}
          />
        </div>
      </section>

      <section aria-labelledby="queues" className="space-y-2">
        <h2 id="queues" className="font-semibold">
          Queues
        </h2>
        <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900">
          <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700 text-sm">
            <caption className="sr-only">Each queue&apos;s figures, marked good, warning or critical by the thresholds below</caption>
            <thead className="bg-slate-50 dark:bg-slate-800 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-3 py-2">Queue</th>
                <th scope="col" className="px-3 py-2">Waiting</th>
                <th scope="col" className="px-3 py-2">Running</th>
                <th scope="col" className="px-3 py-2">Oldest wait</th>
                <th scope="col" className="px-3 py-2">Rate (5 min)</th>
                <th scope="col" className="px-3 py-2">Failures (1 h)</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {dashboard.queues.map((queue) => (
                <QueueRow key={queue.queue} queue={queue} />
              ))}
            </tbody>
          </table>
        </div>
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Pause, resume and purge queues on the <Link href="/queues" className="text-blue-700 underline dark:text-blue-300">Queues</Link> page.
        </p>
      </section>

      <section aria-labelledby="health" className="space-y-2">
        <h2 id="health" className="font-semibold">
          Service health
        </h2>
        <p className="text-sm" data-testid="database-health">
          Database: {health.database.reachable ? <span className="text-green-800 dark:text-green-300">reachable, {oneDecimal(health.database.latencyMs ?? 0)} ms round trip</span> : <span className="text-red-700 dark:text-red-300">not reachable</span>}
          {' · '}
          Workers alive: {health.liveWorkers}
          {health.waitingWithoutWorker > 0 ? (
            <strong className="ml-2 text-red-700 dark:text-red-300" data-testid="no-worker">
              {number(health.waitingWithoutWorker)} waiting jobs and no live worker to take them.
            </strong>
          ) : null}
        </p>
        <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900">
          <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700 text-sm">
            <caption className="sr-only">Worker processes seen in the last day</caption>
            <thead className="bg-slate-50 dark:bg-slate-800 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-3 py-2">Worker</th>
                <th scope="col" className="px-3 py-2">Host</th>
                <th scope="col" className="px-3 py-2">PID</th>
                <th scope="col" className="px-3 py-2">Running / concurrency</th>
                <th scope="col" className="px-3 py-2">Last heartbeat</th>
                <th scope="col" className="px-3 py-2">State</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {health.workers.length === 0 ? (
                <tr>
                  <td colSpan={6} className="px-3 py-4 text-center text-slate-600 dark:text-slate-400">
                    No worker has run in the last day.
                  </td>
                </tr>
              ) : (
                health.workers.map((worker) => (
                  <tr key={worker.id} data-worker={worker.id}>
                    <td className="px-3 py-2 font-mono text-xs">{worker.id}</td>
                    <td className="px-3 py-2">{worker.host}</td>
                    <td className="px-3 py-2">{worker.pid}</td>
                    <td className="px-3 py-2">
                      {worker.running} / {worker.concurrency}
                    </td>
                    <td className="px-3 py-2">
                      <LocalTime date={worker.lastSeenAt} />
                    </td>
                    <td className={`px-3 py-2 font-medium ${workerStyles[worker.state]}`} data-testid="worker-state">
                      {worker.stoppedAt ? 'stopped' : worker.state}
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="charts" className="space-y-4">
        <h2 id="charts" className="font-semibold">
          Jobs ended
        </h2>
        <div className="grid gap-4 lg:grid-cols-2">
          <div className="rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4">
            <ThroughputChart points={dashboard.lastHour} bucket="minute" title="Per minute, last hour" />
          </div>
          <div className="rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4">
            <ThroughputChart points={dashboard.lastWeek} bucket="hour" title="Per hour, last 7 days" />
          </div>
        </div>
        <div className="rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4">
          <DurationChart rows={dashboard.durations} title="Duration of completed runs per task, last 24 hours" />
        </div>
      </section>

      <section aria-labelledby="alerts" className="space-y-2">
        <h2 id="alerts" className="font-semibold">
          Alerts
        </h2>
        {alertList.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">No alert so far.</p>
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 text-sm" data-testid="alert-list">
            {alertList.map((alert) => (
              <li key={alert.id} className="flex flex-wrap gap-3 px-3 py-2">
                <span className={alert.clearedAt ? 'text-slate-500 dark:text-slate-400' : 'font-medium text-red-700 dark:text-red-300'}>{alert.clearedAt ? 'cleared' : 'on'}</span>
                <span>{alert.message}</span>
                <span className="text-slate-500 dark:text-slate-400">
                  since <LocalTime date={alert.startedAt} />
                  {alert.clearedAt ? (
                    <>
                      {', cleared '}
                      <LocalTime date={alert.clearedAt} />
                    </>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        )}
        <details className="rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4">
          <summary className="cursor-pointer font-medium">Thresholds and alert settings</summary>
          <div className="mt-3">
            <SettingsForm settings={settings} />
          </div>
        </details>
      </section>
    </div>
  );
}
