import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '@/db/client';
import { consoleSettings } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import { fieldErrorsOf, ForbiddenError, ValidationError } from './errors';
import { canManageQueues } from './permissions';
import type { Viewer } from './viewer';

/**
 * The dashboard's settings, changed by admins on the dashboard: the thresholds that colour each
 * queue's figures good / warning / critical, the alert rules, and the webhook that hears of alerts.
 * Stored as JSON in `console_settings`, read through these schemas: a value the code no longer
 * understands falls back to the defaults rather than breaking the page.
 */

const count = z.coerce.number({ error: 'A number' }).int('A whole number').min(0, 'At least 0').max(1_000_000, 'At most 1,000,000');
const minutes = z.coerce.number({ error: 'A number' }).min(0, 'At least 0').max(10_080, 'At most a week (10,080 minutes)');
const perMinute = z.coerce.number({ error: 'A number' }).min(0, 'At least 0').max(1_000_000, 'At most 1,000,000');
const percent = z.coerce.number({ error: 'A number' }).min(0, 'At least 0').max(100, 'At most 100');

interface Limits {
  warning: number;
  critical: number;
}

/** A pair of limits where more is worse: warning from `warning`, critical above `critical`. */
const rising = (value: z.ZodType<number, unknown>) =>
  z.object({ warning: value, critical: value }).refine((pair: Limits) => pair.critical >= pair.warning, { message: 'Critical must be at least the warning level', path: ['critical'] });
/** Processing rate: fewer is worse, so critical is the lower number. */
const falling = (value: z.ZodType<number, unknown>) =>
  z.object({ warning: value, critical: value }).refine((pair: Limits) => pair.critical <= pair.warning, { message: 'Critical must be at most the warning level', path: ['critical'] });

export const thresholdsSchema = z.object({
  queueLength: rising(count),
  waitMinutes: rising(minutes),
  ratePerMinute: falling(perMinute),
  failurePercent: rising(percent),
});
export type Thresholds = z.infer<typeof thresholdsSchema>;

/** The seed's table: queue length 10/50, wait 1/5 min, rate 10/5 per minute, failure 1 %/5 %. */
export const defaultThresholds: Thresholds = {
  queueLength: { warning: 10, critical: 50 },
  waitMinutes: { warning: 1, critical: 5 },
  ratePerMinute: { warning: 10, critical: 5 },
  failurePercent: { warning: 1, critical: 5 },
};

const webhookUrl = z
  .string()
  .trim()
  .max(2000, 'At most 2,000 characters')
  .refine((value) => value === '' || /^https?:\/\//i.test(value), 'An http:// or https:// address')
  .refine((value) => value === '' || URL.canParse(value), 'Not a valid address')
  .transform((value) => (value === '' ? null : value));

export const alertRulesSchema = z.object({
  /** An alert when a queue holds more waiting jobs than this. */
  queueLength: count,
  /** An alert when the share of failures among jobs ended in the last hour is above this (%). */
  failurePercent: percent,
  /** An alert when more running jobs than this are stuck. */
  stuckJobs: count,
  /** An alert when a queue's oldest waiting job has waited longer than this. */
  waitMinutes: minutes,
  /** Receives a JSON POST when an alert starts and when it clears; null: none. */
  webhookUrl: webhookUrl.nullable(),
});
export type AlertRules = z.infer<typeof alertRulesSchema>;

/** The seed's critical conditions: queue > 100, failure rate > 10 %, > 5 stuck jobs, wait > 10 min. */
export const defaultAlertRules: AlertRules = { queueLength: 100, failurePercent: 10, stuckJobs: 5, waitMinutes: 10, webhookUrl: null };

export interface DashboardSettings {
  thresholds: Thresholds;
  alerts: AlertRules;
}

const keys = { thresholds: 'dashboard.thresholds', alerts: 'dashboard.alerts' } as const;

export async function readDashboardSettings(db: DbOrTx): Promise<DashboardSettings> {
  const rows = await db.select().from(consoleSettings).where(inArray(consoleSettings.key, Object.values(keys)));
  const stored = (key: string) => rows.find((row) => row.key === key)?.value;
  const thresholds = thresholdsSchema.safeParse(stored(keys.thresholds));
  const alerts = alertRulesSchema.safeParse(stored(keys.alerts));
  return {
    thresholds: thresholds.success ? thresholds.data : defaultThresholds,
    alerts: alerts.success ? alerts.data : defaultAlertRules,
  };
}

export const dashboardSettingsSchema = z.object({ thresholds: thresholdsSchema, alerts: alertRulesSchema });

/** Admins (and the command line) replace the settings; each change is audited with the new values. */
export async function updateDashboardSettings(db: DbOrTx, viewer: Viewer, input: unknown, source: ActionSource): Promise<DashboardSettings> {
  if (!canManageQueues(viewer)) throw new ForbiddenError('Only administrators change the dashboard settings.');
  const parsed = dashboardSettingsSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('Some settings are not valid.', fieldErrorsOf(parsed.error, 'path'));
  const updatedBy = viewer.kind === 'person' ? viewer.id : null;
  await db.transaction(async (tx) => {
    for (const [name, key] of Object.entries(keys) as [keyof DashboardSettings, string][]) {
      const value = parsed.data[name];
      const [existing] = await tx.select({ key: consoleSettings.key }).from(consoleSettings).where(eq(consoleSettings.key, key));
      if (existing) await tx.update(consoleSettings).set({ value, updatedAt: new Date(), updatedBy }).where(eq(consoleSettings.key, key));
      else await tx.insert(consoleSettings).values({ key, value, updatedBy });
    }
    await recordAudit(tx, { viewer, action: 'settings.dashboard', source, details: { ...parsed.data } });
  });
  return parsed.data;
}

export type Level = 'good' | 'warning' | 'critical';

/** Where a figure stands against a pair of limits: above (or, for `falling`, below) each one. */
export function levelOf(value: number, limits: Limits, direction: 'rising' | 'falling' = 'rising'): Level {
  if (direction === 'rising') return value > limits.critical ? 'critical' : value >= limits.warning ? 'warning' : 'good';
  return value < limits.critical ? 'critical' : value <= limits.warning ? 'warning' : 'good';
}
