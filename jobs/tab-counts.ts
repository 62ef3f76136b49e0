import 'server-only';
import { sql, type SQL } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { jobs } from '@/db/schema';
import type { JobFilter } from './filters';
import { jobsPageCondition } from './queries';
import { jobTabs, type JobsTab } from './tabs';
import type { Viewer } from './viewer';

/**
 * How many jobs each tab of the jobs page holds. A `count(*)` reads every matching row, which over a
 * history of millions takes a noticeable fraction of a second per tab, so each count stops at a cap:
 * it counts at most CAP + 1 rows, through the same indexes as the page's own query, exact below the
 * cap and "more than CAP" above it. The cap bounds what is counted, not what is read: a filter no
 * index serves that few jobs match is still looked for through the whole history, as the page's
 * list does.
 */

/** Past this many jobs, a tab shows "10,000+" rather than its exact count. */
export const TAB_COUNT_CAP = 10_000;

export interface TabCount {
  /** The number of jobs, or the cap when there are more. */
  count: number;
  /** There are more than `count` jobs: the count is a lower bound. */
  capped: boolean;
}

export type TabCounts = Record<JobsTab, TabCount>;

/** A scalar subquery: how many rows match `condition`, counting no further than `cap + 1`. */
function cappedCount(condition: SQL | undefined, cap: number): SQL<number> {
  return sql<number>`(select count(*)::int from (select 1 from ${jobs} where ${condition ?? sql`true`} limit ${cap + 1}) as counted)`;
}

/**
 * The number of jobs on each tab of the viewer's jobs page with this filter (its tab ignored), exact
 * up to `cap` (TAB_COUNT_CAP by default), in one round trip.
 */
export async function countJobsByTab(viewer: Viewer, filter: JobFilter, options: { cap?: number } = {}): Promise<TabCounts> {
  const cap = options.cap ?? TAB_COUNT_CAP;
  const columns = jobTabs.map((tab) => sql`${cappedCount(jobsPageCondition(viewer, tab, filter), cap)} as ${sql.identifier(tab)}`);
  const rows = await getDb().execute<Record<JobsTab, number>>(sql`select ${sql.join(columns, sql`, `)}`);
  // A SELECT without FROM returns exactly one row.
  const row = rows[0]!;
  const counted = (tab: JobsTab): TabCount => ({ count: Math.min(row[tab], cap), capped: row[tab] > cap });
  return { all: counted('all'), active: counted('active'), failed: counted('failed') };
}
