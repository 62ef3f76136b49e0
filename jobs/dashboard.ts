import { and, count, desc, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { jobs, workers } from '@/db/schema';
import type { DurationRow, ThroughputPoint } from '@/components/charts/types';
import { env } from '@/lib/env';
import { queueSummaries, type QueueSummary } from './queues';
import { levelOf, type Level, type Thresholds } from './settings';
import { histogramPercentile, statsSince, sumStats, type MinuteStats } from './stats';
import { stuckCondition } from './stuck';

/**
 * What the admin dashboard shows, each figure from an index or from the per-minute roll-up
 * (jobs/stats.ts), never from a count over the whole history.
 */

const waitingStatuses = ['scheduled', 'queued', 'retrying'] as const;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Above this many rows the total is PostgreSQL's estimate (pg_class.reltuples), marked as such. */
export const EXACT_TOTAL_UP_TO = 200_000;
/** The processing rate is over this many minutes. */
const RATE_WINDOW_MINUTES = 5;

export interface SummaryCards {
  total: { value: number; approximate: boolean };
  running: number;
  waiting: number;
  stuck: number;
  completed24h: number;
  failed24h: number;
  /** Completed among completed and failed in the last 24 hours, in %; null when none ended. */
  successRate24h: number | null;
}

/** The number of jobs: exact while the table is small, the planner's estimate beyond. */
async function totalJobs(db: DbOrTx): Promise<{ value: number; approximate: boolean }> {
  const [estimate] = await db.execute<{ n: number }>(sql`select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'jobs'::regclass`);
  const estimated = Number(estimate?.n ?? 0);
  if (estimated > EXACT_TOTAL_UP_TO) return { value: Math.round(estimated), approximate: true };
  return { value: await db.$count(jobs), approximate: false };
}

export async function summaryCards(db: DbOrTx, day: MinuteStats[]): Promise<SummaryCards> {
  const [total, [active]] = await Promise.all([
    totalJobs(db),
    // Active jobs are few: these counts read the small jobs_active_idx.
    db
      .select({
        running: sql<number>`count(*) filter (where ${jobs.status} = 'running')::int`,
        waiting: sql<number>`count(*) filter (where ${jobs.status} in ('scheduled', 'queued', 'retrying'))::int`,
        stuck: sql<number>`count(*) filter (where ${stuckCondition()})::int`,
      })
      .from(jobs)
      .where(inArray(jobs.status, ['scheduled', 'queued', 'retrying', 'running'])),
  ]);
  const totals = sumStats(day);
  const ended = totals.completed + totals.failed;
  return {
    total,
    running: active?.running ?? 0,
    waiting: active?.waiting ?? 0,
    stuck: active?.stuck ?? 0,
    completed24h: totals.completed,
    failed24h: totals.failed,
    successRate24h: ended === 0 ? null : (100 * totals.completed) / ended,
  };
}

export interface QueueMetrics extends QueueSummary {
  /** Minutes the oldest waiting job has waited; null when none waits. */
  waitMinutes: number | null;
  /** Jobs ended per minute over the last RATE_WINDOW_MINUTES. */
  ratePerMinute: number;
  /** Failed among completed and failed in the last hour, in %; null when none ended. */
  failurePercent: number | null;
  levels: { queueLength: Level; wait: Level; rate: Level; failure: Level };
}

/** Each queue's figures, coloured by the thresholds. A queue with nothing to do has no rate to judge. */
export async function queueMetrics(db: DbOrTx, thresholds: Thresholds, hour: MinuteStats[], now = Date.now()): Promise<QueueMetrics[]> {
  const summaries = await queueSummaries(db);
  return summaries.map((queue) => {
    const ofQueue = hour.filter((row) => row.queue === queue.queue);
    const recent = sumStats(ofQueue.filter((row) => row.minute.getTime() >= now - RATE_WINDOW_MINUTES * MINUTE_MS));
    const lastHour = sumStats(ofQueue);
    const ended = lastHour.completed + lastHour.failed;
    const waitMinutes = queue.oldestWaitingSince ? Math.max(0, (now - queue.oldestWaitingSince.getTime()) / MINUTE_MS) : null;
    const ratePerMinute = (recent.completed + recent.failed) / RATE_WINDOW_MINUTES;
    const failurePercent = ended === 0 ? null : (100 * lastHour.failed) / ended;
    const busy = queue.waiting > 0 && !queue.paused;
    return {
      ...queue,
      waitMinutes,
      ratePerMinute,
      failurePercent,
      levels: {
        queueLength: levelOf(queue.waiting, thresholds.queueLength),
        wait: levelOf(waitMinutes ?? 0, thresholds.waitMinutes),
        rate: busy ? levelOf(ratePerMinute, thresholds.ratePerMinute, 'falling') : 'good',
        failure: levelOf(failurePercent ?? 0, thresholds.failurePercent),
      },
    };
  });
}

export type WorkerState = 'alive' | 'late' | 'gone';

export interface WorkerHealth {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  running: number;
  lastSeenAt: Date;
  stoppedAt: Date | null;
  state: WorkerState;
}

export interface ServiceHealth {
  database: { reachable: boolean; latencyMs: number | null };
  workers: WorkerHealth[];
  liveWorkers: number;
  /** Jobs due to run while no live worker is there to take them. */
  waitingWithoutWorker: number;
}

/** Alive: seen within two heartbeats; late: within WORKER_DEAD_AFTER_SECONDS; gone after that, or stopped. */
export function workerState(lastSeenAt: Date, stoppedAt: Date | null, now = Date.now()): WorkerState {
  if (stoppedAt) return 'gone';
  const silentMs = now - lastSeenAt.getTime();
  if (silentMs <= 2 * env().WORKER_HEARTBEAT_SECONDS * 1000) return 'alive';
  if (silentMs <= env().WORKER_DEAD_AFTER_SECONDS * 1000) return 'late';
  return 'gone';
}

/** The database's round trip, the workers seen in the last day, and whether anyone takes waiting jobs. */
export async function serviceHealth(db: DbOrTx, waiting: number): Promise<ServiceHealth> {
  const started = performance.now();
  let latencyMs: number | null = null;
  try {
    await db.execute(sql`select 1`);
    latencyMs = performance.now() - started;
  } catch {
    return { database: { reachable: false, latencyMs: null }, workers: [], liveWorkers: 0, waitingWithoutWorker: waiting };
  }
  const rows = await db
    .select()
    .from(workers)
    .where(or(isNull(workers.stoppedAt), gt(workers.lastSeenAt, sql`now() - interval '1 day'`)))
    .orderBy(desc(workers.lastSeenAt))
    .limit(100);
  // Ages are measured against the database's clock, which wrote last_seen_at.
  const [clock] = await db.execute<{ now: string }>(sql`select (extract(epoch from now()) * 1000)::float8::text as now`);
  const now = Number(clock?.now ?? Date.now());
  const list = rows.map((row) => ({ ...row, state: workerState(row.lastSeenAt, row.stoppedAt, now) }));
  const liveWorkers = list.filter((worker) => worker.state !== 'gone').length;
  return { database: { reachable: true, latencyMs }, workers: list, liveWorkers, waitingWithoutWorker: liveWorkers === 0 ? waiting : 0 };
}

/**
 * Jobs ended per bucket, oldest first: the buckets that had some, and the window's first and last
 * bucket even when empty, so that the chart (which fills the gaps between) spans the whole window.
 */
export function throughputSeries(rows: MinuteStats[], bucket: 'minute' | 'hour', window?: { from: number; to: number }): ThroughputPoint[] {
  const size = bucket === 'minute' ? MINUTE_MS : HOUR_MS;
  const buckets = new Map<number, ThroughputPoint>();
  for (const edge of window ? [window.from, window.to] : []) {
    const at = Math.floor(edge / size) * size;
    buckets.set(at, { at: new Date(at).toISOString(), completed: 0, failed: 0 });
  }
  for (const row of rows) {
    const at = Math.floor(row.minute.getTime() / size) * size;
    const point = buckets.get(at) ?? { at: new Date(at).toISOString(), completed: 0, failed: 0 };
    point.completed += row.completed;
    point.failed += row.failed;
    buckets.set(at, point);
  }
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([, point]) => point);
}

/** Duration percentiles of each task's completed runs, from the histograms (bucket upper bounds). */
export function durationRows(rows: MinuteStats[]): DurationRow[] {
  const byTask = new Map<string, MinuteStats[]>();
  for (const row of rows) byTask.set(row.task, [...(byTask.get(row.task) ?? []), row]);
  return [...byTask.entries()]
    .map(([task, taskRows]) => {
      const totals = sumStats(taskRows);
      return {
        task,
        runs: totals.completed,
        p50Ms: histogramPercentile(totals.durations, 0.5) ?? 0,
        p95Ms: histogramPercentile(totals.durations, 0.95) ?? 0,
        p99Ms: histogramPercentile(totals.durations, 0.99) ?? 0,
      };
    })
    .filter((row) => row.runs > 0)
    .sort((a, b) => a.task.localeCompare(b.task));
}

export interface Dashboard {
  /** When the figures were read. */
  at: Date;
  cards: SummaryCards;
  queues: QueueMetrics[];
  health: ServiceHealth;
  lastHour: ThroughputPoint[];
  lastWeek: ThroughputPoint[];
  durations: DurationRow[];
}

/** Everything the dashboard page shows: the last hour by the minute, the week by the hour, the day as a whole. */
export async function loadDashboard(db: DbOrTx, thresholds: Thresholds): Promise<Dashboard> {
  const now = Date.now();
  const [hour, week, day] = await Promise.all([
    statsSince(db, new Date(now - HOUR_MS), 'minute'),
    statsSince(db, new Date(now - 7 * 24 * HOUR_MS), 'hour'),
    statsSince(db, new Date(now - 24 * HOUR_MS), 'span'),
  ]);
  const [cards, queues] = await Promise.all([summaryCards(db, day), queueMetrics(db, thresholds, hour, now)]);
  const health = await serviceHealth(db, cards.waiting);
  return {
    at: new Date(now),
    cards,
    queues,
    health,
    lastHour: throughputSeries(hour, 'minute', { from: now - HOUR_MS + MINUTE_MS, to: now }),
    lastWeek: throughputSeries(week, 'hour', { from: now - 7 * 24 * HOUR_MS + HOUR_MS, to: now }),
    durations: durationRows(day),
  };
}

/** How many waiting jobs each queue holds (for alerts); only queues with some. */
export async function waitingByQueue(db: DbOrTx): Promise<{ queue: string; waiting: number; oldest: Date | null }[]> {
  const rows = await db
    .select({ queue: jobs.queue, waiting: count(), oldest: sql<string | null>`min(${jobs.createdAt}) filter (where ${jobs.status} in ('queued', 'retrying'))::text` })
    .from(jobs)
    .where(and(inArray(jobs.status, [...waitingStatuses])))
    .groupBy(jobs.queue);
  return rows.map((row) => ({ queue: row.queue, waiting: row.waiting, oldest: row.oldest ? new Date(row.oldest) : null }));
}
