import { desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '@/db/client';
import { alerts, jobs } from '@/db/schema';
import { waitingByQueue } from './dashboard';
import { readDashboardSettings, type AlertRules } from './settings';
import { statsSince, sumStats } from './stats';
import { stuckCondition } from './stuck';

/**
 * Alerts: conditions checked from the workers' heartbeat (one process at a time, under an advisory
 * lock), kept in `alerts` while they hold, shown as a banner on every admin page, and posted to the
 * webhook when one starts and when it clears.
 */

/** Fewer jobs than this ended in the hour: too few to judge a failure rate (1 of 1 is not 100 %). */
export const MIN_ENDED_FOR_FAILURE_RATE = 5;
const WEBHOOK_TIMEOUT_MS = 5_000;

export interface AlertCondition {
  key: string;
  message: string;
  value: number;
  threshold: number;
}

export type Alert = typeof alerts.$inferSelect;

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** The alert conditions that hold now, by the rules. */
export async function alertConditions(db: DbOrTx, rules: AlertRules, now = Date.now()): Promise<AlertCondition[]> {
  const conditions: AlertCondition[] = [];
  for (const queue of await waitingByQueue(db)) {
    if (queue.waiting > rules.queueLength) {
      conditions.push({ key: `queue_length:${queue.queue}`, message: `Queue ${queue.queue} holds ${plural(queue.waiting, 'waiting job')} (alert above ${rules.queueLength}).`, value: queue.waiting, threshold: rules.queueLength });
    }
    const waited = queue.oldest ? (now - queue.oldest.getTime()) / 60_000 : 0;
    if (waited > rules.waitMinutes) {
      conditions.push({ key: `wait:${queue.queue}`, message: `The oldest job in queue ${queue.queue} has waited ${Math.floor(waited)} min (alert above ${rules.waitMinutes} min).`, value: waited, threshold: rules.waitMinutes });
    }
  }
  const hour = sumStats(await statsSince(db, new Date(now - 60 * 60_000), 'span'));
  const ended = hour.completed + hour.failed;
  const failurePercent = ended === 0 ? 0 : (100 * hour.failed) / ended;
  if (ended >= MIN_ENDED_FOR_FAILURE_RATE && failurePercent > rules.failurePercent) {
    conditions.push({ key: 'failure_rate', message: `${failurePercent.toFixed(1)} % of the jobs that ended in the last hour failed (${hour.failed} of ${ended}; alert above ${rules.failurePercent} %).`, value: failurePercent, threshold: rules.failurePercent });
  }
  const [stuck] = await db.select({ n: sql<number>`count(*)::int` }).from(jobs).where(stuckCondition());
  if ((stuck?.n ?? 0) > rules.stuckJobs) {
    conditions.push({ key: 'stuck_jobs', message: `${plural(stuck!.n, 'running job')} stuck (alert above ${rules.stuckJobs}).`, value: stuck!.n, threshold: rules.stuckJobs });
  }
  return conditions;
}

export interface AlertChanges {
  /** False when another process was evaluating. */
  ran: boolean;
  started: Alert[];
  cleared: Alert[];
}

/**
 * Compares the conditions with the open alerts: opens the new ones, clears those that no longer
 * hold, refreshes the figures of the rest; then posts each start and clear to the webhook, after
 * the commit (a failed post is logged, not retried).
 */
export async function evaluateAlerts(db: Db, options: { log?: (message: string) => void } = {}): Promise<AlertChanges> {
  const log = options.log ?? ((message: string) => console.warn(message));
  const settings = await readDashboardSettings(db);
  const changes = await db.transaction(async (tx): Promise<AlertChanges> => {
    const [lock] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(hashtext('jobs-console:alerts')) as locked`);
    if (!lock?.locked) return { ran: false, started: [], cleared: [] };
    const conditions = await alertConditions(tx, settings.alerts);
    const open = await tx.select().from(alerts).where(isNull(alerts.clearedAt));
    const started: Alert[] = [];
    const cleared: Alert[] = [];
    for (const condition of conditions) {
      const existing = open.find((alert) => alert.key === condition.key);
      if (existing) {
        await tx.update(alerts).set({ message: condition.message, value: condition.value, threshold: condition.threshold }).where(eq(alerts.id, existing.id));
      } else {
        started.push(...(await tx.insert(alerts).values(condition).returning()));
      }
    }
    for (const alert of open) {
      if (conditions.some((condition) => condition.key === alert.key)) continue;
      cleared.push(...(await tx.update(alerts).set({ clearedAt: sql`now()` }).where(eq(alerts.id, alert.id)).returning()));
    }
    return { ran: true, started, cleared };
  });
  const url = settings.alerts.webhookUrl;
  if (url) {
    for (const [event, list] of [['alert.started', changes.started], ['alert.cleared', changes.cleared]] as const) {
      for (const alert of list) {
        await postWebhook(url, { event, alert: alertPayload(alert) }).catch((error: unknown) => log(`[alerts] webhook ${url} failed for ${alert.key}: ${(error as Error).message}`));
      }
    }
  }
  return changes;
}

function alertPayload(alert: Alert) {
  return {
    id: alert.id,
    key: alert.key,
    message: alert.message,
    value: alert.value,
    threshold: alert.threshold,
    startedAt: alert.startedAt.toISOString(),
    clearedAt: alert.clearedAt?.toISOString() ?? null,
  };
}

async function postWebhook(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'jobs-console-alerts' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    redirect: 'error',
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`answered ${response.status}`);
}

/** The alerts on now, newest first: the banner on admin pages. */
export async function openAlerts(db: DbOrTx): Promise<Alert[]> {
  return db.select().from(alerts).where(isNull(alerts.clearedAt)).orderBy(desc(alerts.startedAt)).limit(20);
}

/** The latest alerts, on or cleared, for the dashboard. */
export async function recentAlerts(db: DbOrTx, limit = 20): Promise<Alert[]> {
  return db.select().from(alerts).orderBy(desc(alerts.startedAt)).limit(limit);
}
