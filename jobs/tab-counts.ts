import 'server-only';
import { sql, type SQL } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { jobs } from '@/db/schema';
import type { JobFilter } from './filters';
import { jobsPageCondition, tabCondition } from './queries';
import { jobTabs, type JobsTab } from './tabs';
import type { Viewer } from './viewer';

/**
 * How many jobs each tab of the jobs page holds. A `count(*)` reads every matching row, which over a
 * history of millions takes a noticeable fraction of a second per tab, so counting has two limits:
 *
 * - each count stops at a cap: it counts at most CAP + 1 rows, through the same indexes as the
 *   page's own query, exact up to the cap and "more than CAP" above it;
 * - all three together get a time budget. A filter no index serves, that few jobs match, would still
 *   be looked for through the whole history; past the budget the query is cancelled and each tab
 *   shows PostgreSQL's estimate instead (its planner's row count), marked as one.
 */

/** Past this many jobs, a tab shows "10,000+" rather than its exact count. */
export const TAB_COUNT_CAP = 10_000;
/** How long exact counting may take before the tabs show estimates. */
export const TAB_COUNT_BUDGET_MS = 50;

export type CountPrecision = 'exact' | 'at-least' | 'estimate';

export interface TabCount {
  count: number;
  /** Exact; a lower bound (there are more than the cap); or the planner's estimate. */
  precision: CountPrecision;
}

export type TabCounts = Record<JobsTab, TabCount>;

/** A scalar subquery: how many rows match `condition`, counting no further than `cap + 1`. */
function cappedCount(condition: SQL | undefined, cap: number): SQL<number> {
  return sql<number>`(select count(*)::int from (select 1 from ${jobs} where ${condition ?? sql`true`} limit ${cap + 1}) as counted)`;
}

/** PostgreSQL's "canceling statement due to statement timeout", under drizzle's wrapper or not. */
function isStatementTimeout(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === '57014') return true;
  }
  return false;
}

/** The planner's estimate of the rows matching `condition`: no row is read. */
async function estimatedCount(condition: SQL | undefined): Promise<number> {
  const [row] = await getDb().execute<{ 'QUERY PLAN': unknown }>(sql`explain (format json) select 1 from ${jobs} where ${condition ?? sql`true`}`);
  const raw = row?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: { 'Plan Rows': number } }];
  return Math.max(0, Math.round(plan[0].Plan['Plan Rows']));
}

/**
 * The number of jobs on each tab of the viewer's jobs page with this filter (its tab ignored): exact
 * up to `cap` (TAB_COUNT_CAP by default) when counting takes less than `budgetMs`
 * (TAB_COUNT_BUDGET_MS), estimated otherwise.
 */
export async function countJobsByTab(viewer: Viewer, filter: JobFilter, options: { cap?: number; budgetMs?: number } = {}): Promise<TabCounts> {
  const cap = options.cap ?? TAB_COUNT_CAP;
  const budgetMs = Math.max(1, Math.round(options.budgetMs ?? TAB_COUNT_BUDGET_MS));
  const conditions = Object.fromEntries(jobTabs.map((tab) => [tab, jobsPageCondition(viewer, tab, filter)])) as Record<JobsTab, SQL | undefined>;
  try {
    return await getDb().transaction(async (tx) => {
      await tx.execute(sql`select set_config('statement_timeout', ${String(budgetMs)}, true)`);
      // Usually one pass: the first cap + 1 rows of All, with which of them are Active and Failed.
      // When All holds no more than the cap, that counts every tab exactly (a text search, say, is
      // then looked up once rather than once per tab).
      const [first] = await tx.execute<{ all: number; active: number; failed: number }>(sql`
        select count(*)::int as all, count(*) filter (where active)::int as active, count(*) filter (where failed)::int as failed
        from (
          select ${tabCondition('active')} as active, ${tabCondition('failed')} as failed
          from ${jobs} where ${conditions.all ?? sql`true`} limit ${cap + 1}
        ) as listed`);
      const exact = (count: number): TabCount => ({ count, precision: 'exact' });
      if (first!.all <= cap) return { all: exact(first!.all), active: exact(first!.active), failed: exact(first!.failed) };
      // More than the cap: Active and Failed each through their own indexes, stopping at the cap.
      const [rest] = await tx.execute<{ active: number; failed: number }>(
        sql`select ${cappedCount(conditions.active, cap)} as active, ${cappedCount(conditions.failed, cap)} as failed`,
      );
      const counted = (count: number): TabCount => (count > cap ? { count: cap, precision: 'at-least' } : exact(count));
      return { all: { count: cap, precision: 'at-least' }, active: counted(rest!.active), failed: counted(rest!.failed) };
    });
  } catch (error) {
    if (!isStatementTimeout(error)) throw error;
  }
  const [all, active, failed] = await Promise.all(jobTabs.map((tab) => estimatedCount(conditions[tab])));
  const estimate = (count: number): TabCount => ({ count, precision: 'estimate' });
  return { all: estimate(all!), active: estimate(active!), failed: estimate(failed!) };
}
