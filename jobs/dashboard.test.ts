import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { alerts, auditEvents, jobs, workers } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { evaluateAlerts, openAlerts } from './alerts';
import { loadDashboard, queueMetrics, workerState } from './dashboard';
import { ForbiddenError, ValidationError } from './errors';
import { defaultThresholds, levelOf, readDashboardSettings, updateDashboardSettings, type DashboardSettings } from './settings';
import { histogramPercentile, statsSince, rollUpJobStats, sumStats } from './stats';
import type { PersonViewer } from './viewer';

setUpTestDatabase();

let admin: PersonViewer;
let user: PersonViewer;
const web = { origin: 'web' as const };
const ago = (ms: number) => new Date(Date.now() - ms);
const MINUTE = 60_000;

/** A job that ended `endedAgo` ms ago after running `durationMs`, in `queue`. */
async function ended(status: 'completed' | 'failed' | 'cancelled', endedAgo: number, durationMs: number, queue = 'default', task = 'long-running') {
  await getDb()
    .insert(jobs)
    .values({ task, title: task, status, queue, origin: 'cli', osUser: 'test', startedAt: ago(endedAgo + durationMs), finishedAt: ago(endedAgo) });
}

async function waiting(count: number, queue: string, createdAgo = 0) {
  for (let i = 0; i < count; i++) {
    await getDb().insert(jobs).values({ task: 'long-running', title: 'Waiting', status: 'queued', queue, origin: 'cli', osUser: 'test', createdAt: ago(createdAgo) });
  }
}

beforeAll(async () => {
  admin = await createTestUser('admin');
  user = await createTestUser('user');
});

describe('the per-minute roll-up', () => {
  beforeAll(async () => {
    // Two hours ago: 3 completed (40 ms, 400 ms, 4 s) and 1 failed; just now: 1 completed (30 ms), not yet rolled up.
    await ended('completed', 120 * MINUTE, 40, 'reports', 'history-report');
    await ended('completed', 120 * MINUTE, 400, 'reports', 'history-report');
    await ended('completed', 120 * MINUTE, 4_000, 'reports', 'history-report');
    await ended('failed', 119 * MINUTE, 100, 'reports', 'history-report');
    await ended('completed', 1_000, 30, 'reports', 'history-report');
  });

  it('counts each ended job once, rolled up or not yet, however often it runs', async () => {
    const first = await rollUpJobStats(getDb());
    expect(first.ran).toBe(true);
    await rollUpJobStats(getDb());
    const rows = await statsSince(getDb(), ago(3 * 60 * MINUTE));
    const totals = sumStats(rows.filter((row) => row.task === 'history-report'));
    expect({ completed: totals.completed, failed: totals.failed }).toEqual({ completed: 4, failed: 1 });
    // The last job is newer than the roll-up's lag: it comes from the live part, not the table.
    const [stored] = await getDb().execute<{ n: number }>(sql`select coalesce(sum(completed), 0)::int as n from job_stats_minute where task = 'history-report'`);
    expect(stored!.n).toBe(3);
  });

  it('keeps a duration histogram from which percentiles are read (bucket upper bounds)', async () => {
    const rows = await statsSince(getDb(), ago(3 * 60 * MINUTE));
    const totals = sumStats(rows.filter((row) => row.task === 'history-report'));
    expect(totals.durations.reduce((a, b) => a + b, 0)).toBe(4);
    expect(histogramPercentile(totals.durations, 0.25)).toBe(50); // 30 ms → the ≤ 50 ms bucket
    expect(histogramPercentile(totals.durations, 0.5)).toBe(50); // 40 ms
    expect(histogramPercentile(totals.durations, 0.75)).toBe(500); // 400 ms
    expect(histogramPercentile(totals.durations, 0.99)).toBe(5_000); // 4 s
    expect(histogramPercentile([0, 0], 0.5)).toBeNull();
  });

  it('reads whole hours from the hour rows and the partial ones from minute rows, the same figures either way', async () => {
    for (const minutesAgo of [200, 190, 125, 61, 59, 30]) await ended('completed', minutesAgo * MINUTE, 20, 'default', 'csv-import-check');
    // These ended before the roll-up's mark: start it again from scratch, as on a new installation.
    await getDb().execute(sql`truncate job_stats_minute, job_stats_hour`);
    await getDb().execute(sql`delete from maintenance_marks where name = 'job_stats_minute'`);
    await rollUpJobStats(getDb());
    const [hours] = await getDb().execute<{ n: number }>(sql`select coalesce(sum(completed), 0)::int as n from job_stats_hour where task = 'csv-import-check'`);
    expect(hours!.n).toBe(6);
    const since = ago(195 * MINUTE); // not on an hour: the 200-minute job is before it
    const byMinute = await statsSince(getDb(), since, 'minute');
    const byHour = await statsSince(getDb(), since, 'hour');
    const span = await statsSince(getDb(), since, 'span');
    const of = (rows: typeof byMinute) => sumStats(rows.filter((row) => row.task === 'csv-import-check'));
    expect(of(byMinute).completed).toBe(5);
    expect(of(byHour)).toEqual(of(byMinute));
    expect(of(span)).toEqual(of(byMinute));
    expect(new Set(byHour.map((row) => row.minute.getUTCMinutes()))).toEqual(new Set([0]));
    await getDb().delete(jobs).where(sql`${jobs.task} = 'csv-import-check'`);
    await getDb().execute(sql`delete from job_stats_minute where task = 'csv-import-check'`);
    await getDb().execute(sql`delete from job_stats_hour where task = 'csv-import-check'`);
  });

  it('does nothing while another process holds the roll-up', async () => {
    await getDb().transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('jobs-console:job-stats'))`);
      // A second connection tries meanwhile.
      const other = await rollUpJobStats(getDb());
      expect(other.ran).toBe(false);
    });
  });
});

describe('the dashboard figures', () => {
  it('add up to a hand-made fixture: cards, queues, charts, durations', async () => {
    await waiting(12, 'imports', 3 * MINUTE);
    // Ended after the roll-up above ran (as jobs do): the live part counts them.
    await ended('completed', 1_000, 200, 'imports', 'csv-import-check');
    await ended('failed', 1_000, 200, 'imports', 'csv-import-check');
    const dashboard = await loadDashboard(getDb(), defaultThresholds);
    expect(dashboard.cards.total).toEqual({ value: 19, approximate: false });
    // 24 hours: history-report 4 completed and 1 failed, csv-import-check 1 and 1.
    expect(dashboard.cards).toMatchObject({ running: 0, waiting: 12, stuck: 0, completed24h: 5, failed24h: 2 });
    expect(dashboard.cards.successRate24h).toBeCloseTo((100 * 5) / 7);
    const imports = dashboard.queues.find((queue) => queue.queue === 'imports')!;
    expect(imports).toMatchObject({ waiting: 12, running: 0, paused: false, ratePerMinute: 2 / 5, failurePercent: 50 });
    expect(imports.waitMinutes).toBeGreaterThanOrEqual(3);
    expect(imports.levels).toEqual({ queueLength: 'warning', wait: 'warning', rate: 'critical', failure: 'critical' });
    const reports = dashboard.queues.find((queue) => queue.queue === 'reports')!;
    expect(reports.levels).toEqual({ queueLength: 'good', wait: 'good', rate: 'good', failure: 'good' });
    expect(dashboard.lastHour.reduce((sum, point) => sum + point.completed + point.failed, 0)).toBe(3);
    expect(dashboard.lastWeek.reduce((sum, point) => sum + point.completed + point.failed, 0)).toBe(7);
    expect(dashboard.durations.map((row) => row.task)).toEqual(['csv-import-check', 'history-report']);
  });

  it('flips colours when an admin moves the thresholds', async () => {
    const hour = await statsSince(getDb(), ago(60 * MINUTE));
    const looser = { ...defaultThresholds, queueLength: { warning: 20, critical: 30 }, waitMinutes: { warning: 60, critical: 120 }, failurePercent: { warning: 60, critical: 80 }, ratePerMinute: { warning: 0.4, critical: 0.1 } };
    const imports = (await queueMetrics(getDb(), looser, hour)).find((queue) => queue.queue === 'imports')!;
    expect(imports.levels).toEqual({ queueLength: 'good', wait: 'good', rate: 'warning', failure: 'good' });
    expect([levelOf(9, { warning: 10, critical: 50 }), levelOf(10, { warning: 10, critical: 50 }), levelOf(51, { warning: 10, critical: 50 })]).toEqual(['good', 'warning', 'critical']);
    expect([levelOf(11, { warning: 10, critical: 5 }, 'falling'), levelOf(10, { warning: 10, critical: 5 }, 'falling'), levelOf(4, { warning: 10, critical: 5 }, 'falling')]).toEqual(['good', 'warning', 'critical']);
  });

  it('tells a live worker from a late one and a gone one', async () => {
    await getDb()
      .insert(workers)
      .values([
        { id: 'alive', host: 'h', pid: 1, concurrency: 4, lastSeenAt: ago(1_000) },
        { id: 'late', host: 'h', pid: 2, concurrency: 4, lastSeenAt: ago(40_000) },
        { id: 'silent', host: 'h', pid: 3, concurrency: 4, lastSeenAt: ago(5 * MINUTE) },
        { id: 'stopped', host: 'h', pid: 4, concurrency: 4, lastSeenAt: ago(1_000), stoppedAt: ago(500) },
      ]);
    const { health } = await loadDashboard(getDb(), defaultThresholds);
    const states = Object.fromEntries(health.workers.map((worker) => [worker.id, worker.state]));
    expect(states).toEqual({ alive: 'alive', late: 'late', silent: 'gone', stopped: 'gone' });
    expect(health.database.reachable).toBe(true);
    expect(health.liveWorkers).toBe(2);
    expect(health.waitingWithoutWorker).toBe(0);
    await getDb().update(workers).set({ lastSeenAt: ago(10 * MINUTE) });
    const later = await loadDashboard(getDb(), defaultThresholds);
    expect(later.health.liveWorkers).toBe(0);
    expect(later.health.waitingWithoutWorker).toBe(12);
    expect(workerState(ago(0), null)).toBe('alive');
  });
});

describe('settings', () => {
  const valid: DashboardSettings = { thresholds: defaultThresholds, alerts: { queueLength: 10, failurePercent: 40, stuckJobs: 5, waitMinutes: 60, webhookUrl: null } };

  it('are for admins only, validated, and audited', async () => {
    await expect(updateDashboardSettings(getDb(), user, valid, web)).rejects.toBeInstanceOf(ForbiddenError);
    const bad = { ...valid, thresholds: { ...defaultThresholds, queueLength: { warning: 50, critical: 10 } }, alerts: { ...valid.alerts, webhookUrl: 'ftp://x' } };
    const error = await updateDashboardSettings(getDb(), admin, bad, web).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({
      'thresholds.queueLength.critical': ['Critical must be at least the warning level'],
      'alerts.webhookUrl': ['An http:// or https:// address'],
    });
    expect(await readDashboardSettings(getDb())).toMatchObject({ thresholds: defaultThresholds, alerts: { queueLength: 100 } });
    await updateDashboardSettings(getDb(), admin, valid, web);
    expect(await readDashboardSettings(getDb())).toEqual(valid);
    expect(await getDb().$count(auditEvents, sql`${auditEvents.action} = 'settings.dashboard'`)).toBe(1);
  });
});

describe('alerts', () => {
  let server: http.Server;
  const received: { event: string; alert: { key: string; clearedAt: string | null } }[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  it('start once, stay on while the condition holds, clear once, and tell the webhook each time', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const settings = await readDashboardSettings(getDb());
    // imports holds 12 waiting jobs: above a rule of 10.
    await updateDashboardSettings(getDb(), admin, { ...settings, alerts: { ...settings.alerts, queueLength: 10, waitMinutes: 60, failurePercent: 90, webhookUrl: url } }, web);
    const first = await evaluateAlerts(getDb());
    expect(first.started.map((alert) => alert.key)).toEqual(['queue_length:imports']);
    const again = await evaluateAlerts(getDb());
    expect(again.started).toEqual([]);
    expect((await openAlerts(getDb())).map((alert) => alert.message)).toEqual(['Queue imports holds 12 waiting jobs (alert above 10).']);

    await getDb().update(jobs).set({ status: 'cancelled', finishedAt: new Date() }).where(sql`${jobs.status} = 'queued'`);
    const cleared = await evaluateAlerts(getDb());
    expect(cleared.cleared.map((alert) => alert.key)).toEqual(['queue_length:imports']);
    expect(await openAlerts(getDb())).toEqual([]);
    expect(received.map((message) => [message.event, message.alert.key, message.alert.clearedAt === null])).toEqual([
      ['alert.started', 'queue_length:imports', true],
      ['alert.cleared', 'queue_length:imports', false],
    ]);
    expect(await getDb().$count(alerts)).toBe(1);
  });

  it('judge the failure rate only once enough jobs ended', async () => {
    const settings = await readDashboardSettings(getDb());
    await updateDashboardSettings(getDb(), admin, { ...settings, alerts: { ...settings.alerts, failurePercent: 10 } }, web);
    // The last hour so far: 1 completed, 1 failed (imports) and 1 completed (reports): 33 % of 3 jobs, too few.
    expect((await evaluateAlerts(getDb())).started).toEqual([]);
    await ended('failed', 1_000, 10);
    await ended('failed', 1_000, 10);
    const changes = await evaluateAlerts(getDb());
    expect(changes.started.map((alert) => alert.key)).toContain('failure_rate');
    expect(received.filter((message) => message.event === 'alert.started').map((message) => message.alert.key)).toContain('failure_rate');
  });
});
