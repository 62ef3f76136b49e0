import 'server-only';
import { aliasedTable, and, asc, desc, eq, gt, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { stuckCondition } from './stuck';
import { activeJobStatuses, jobLogs, jobs, users, type AttemptError, type JobOrigin, type JobPriority, type JobStatus, type LogLevel } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import type { JobsTab } from './tabs';
import { filterCondition, type JobFilter } from './filters';
import { clearableJobs, listedJobs, visibleJobs } from './permissions';
import type { Viewer } from './viewer';

/**
 * The jobs data-access layer: every read and write of jobs on behalf of a viewer goes through here,
 * with the viewer's permissions in the query itself. Functions return plain objects with the
 * columns a page needs, never whole rows.
 */

export { jobTabs, type JobsTab } from './tabs';

const JOBS_PAGE_SIZE = 50;

export interface JobListItem {
  id: number;
  task: string;
  title: string;
  status: JobStatus;
  progress: number;
  step: string | null;
  message: string | null;
  origin: JobOrigin;
  /** Who started it: an email, or the OS user for a CLI job. */
  startedBy: string | null;
  relatedUrl: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  clearedAt: Date | null;
  /** The row's last event id: live events at or below it are already shown. */
  eventId: number;
  queue: string;
  /** Running, but silent (no progress, log line or heartbeat) for longer than STUCK_AFTER_MINUTES. */
  stuck: boolean;
  /** Its queue is paused: a waiting job will not start until it is resumed. */
  queuePaused: boolean;
}

export interface JobsPage {
  jobs: JobListItem[];
  /** Cursor for the page of newer jobs (`before`), if there is one. */
  newer: number | null;
  /** Cursor for the page of older jobs (`after`), if there is one. */
  older: number | null;
}

const owners = aliasedTable(users, 'owners');

/** The columns of a jobs page row (a function: the stuck threshold is read when a query runs). */
const listColumns = () => ({
  id: jobs.id,
  task: jobs.task,
  title: jobs.title,
  status: jobs.status,
  progress: jobs.progress,
  step: jobs.step,
  message: jobs.message,
  origin: jobs.origin,
  ownerEmail: owners.email,
  osUser: jobs.osUser,
  relatedUrl: jobs.relatedUrl,
  createdAt: jobs.createdAt,
  startedAt: jobs.startedAt,
  finishedAt: jobs.finishedAt,
  clearedAt: jobs.clearedAt,
  eventId: jobs.eventId,
  queue: jobs.queue,
  stuck: sql<boolean>`${stuckCondition()}`,
  queuePaused: sql<boolean>`exists (select 1 from queue_pauses p where p.queue = ${jobs.queue})`,
});

export function tabCondition(tab: JobsTab) {
  if (tab === 'active') return inArray(jobs.status, [...activeJobStatuses]);
  if (tab === 'failed') return eq(jobs.status, 'failed');
  return undefined;
}

/**
 * Condition on `jobs` for the rows of the viewer's jobs page on one tab with a filter (the filter's
 * own tab is ignored). The page lists these rows and the tab counts count them, so both agree.
 */
export function jobsPageCondition(viewer: Viewer, tab: JobsTab, filter?: JobFilter): SQL | undefined {
  return and(listedJobs(viewer), filter ? filterCondition({ ...filter, tab }) : tabCondition(tab));
}

function startedBy(row: { ownerEmail: string | null; osUser: string | null }): string | null {
  return row.ownerEmail ?? (row.osUser ? `${row.osUser} (cli)` : null);
}

/**
 * One page of the viewer's jobs page, newest first, by keyset: `after` gives the page of jobs older
 * than that id, `before` the page of jobs newer than it.
 */
export async function listJobsForViewer(
  viewer: Viewer,
  options: { tab: JobsTab; filter?: JobFilter; after?: number; before?: number; limit?: number },
): Promise<JobsPage> {
  const limit = options.limit ?? JOBS_PAGE_SIZE;
  const goingBack = options.before !== undefined && options.after === undefined;
  const cursor = goingBack ? gt(jobs.id, options.before!) : options.after !== undefined ? lt(jobs.id, options.after) : undefined;
  const rows = await getDb()
    .select(listColumns())
    .from(jobs)
    .leftJoin(owners, eq(owners.id, jobs.ownerId))
    .where(and(jobsPageCondition(viewer, options.tab, options.filter), cursor))
    .orderBy(goingBack ? asc(jobs.id) : desc(jobs.id))
    .limit(limit + 1);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (goingBack) page.reverse();
  const items = page.map(({ ownerEmail, osUser, ...row }) => ({ ...row, startedBy: startedBy({ ownerEmail, osUser }) }));
  const first = items[0]?.id ?? null;
  const last = items.at(-1)?.id ?? null;
  return goingBack
    ? { jobs: items, newer: more ? first : null, older: last }
    : { jobs: items, newer: options.after !== undefined ? first : null, older: more ? last : null };
}

export interface JobLogLine {
  id: number;
  at: Date;
  level: LogLevel;
  attempt: number;
  message: string;
}

export interface JobDetails extends JobListItem {
  priority: JobPriority;
  queue: string;
  payload: Record<string, unknown>;
  warnings: number;
  errors: number;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  workerId: string | null;
  result: unknown;
  error: string | null;
  errorStack: string | null;
  attemptErrors: AttemptError[];
  retryOf: number | null;
  cancelRequestedAt: Date | null;
  /** Jobs launched as retries of this one. */
  retries: number[];
}

/** A job the viewer may see; null when it does not exist or is someone else's. */
export async function getJobForViewer(viewer: Viewer, id: number): Promise<JobDetails | null> {
  const db = getDb();
  const [row] = await db
    .select({
      ...listColumns(),
      priority: jobs.priority,
      payload: jobs.payload,
      warnings: jobs.warnings,
      errors: jobs.errors,
      attempts: jobs.attempts,
      maxAttempts: jobs.maxAttempts,
      runAt: jobs.runAt,
      workerId: jobs.workerId,
      result: jobs.result,
      error: jobs.error,
      errorStack: jobs.errorStack,
      attemptErrors: jobs.attemptErrors,
      retryOf: jobs.retryOf,
      cancelRequestedAt: jobs.cancelRequestedAt,
    })
    .from(jobs)
    .leftJoin(owners, eq(owners.id, jobs.ownerId))
    .where(and(eq(jobs.id, id), visibleJobs(viewer)));
  if (!row) return null;
  const retries = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.retryOf, id), visibleJobs(viewer)))
    .orderBy(asc(jobs.id));
  const { ownerEmail, osUser, ...rest } = row;
  return { ...rest, startedBy: startedBy({ ownerEmail, osUser }), retries: retries.map((retry) => retry.id) };
}

/** Which log lines to show: all, warnings and errors, or errors only. */
export const logFilters = ['all', 'warning', 'error'] as const;
export type LogFilter = (typeof logFilters)[number];

const levelsShown: Record<LogFilter, LogLevel[]> = { all: ['info', 'warning', 'error'], warning: ['warning', 'error'], error: ['error'] };

export interface JobLogPage {
  lines: JobLogLine[];
  /** Cursor (`before`) for the earlier lines, if there are any. */
  earlier: number | null;
  /** Cursor (`after`) for the later lines, if there are any. */
  later: number | null;
}

/**
 * One page of a visible job's log, oldest line first, by keyset: the latest `limit` lines by
 * default, the lines before `before`, or those after `after`. Empty for a job the viewer may not see.
 */
export async function readJobLog(
  viewer: Viewer,
  jobId: number,
  options: { filter?: LogFilter; before?: number; after?: number; limit?: number } = {},
  db: DbOrTx = getDb(),
): Promise<JobLogPage> {
  const limit = options.limit ?? 100;
  const forward = options.after !== undefined;
  const cursor = forward ? gt(jobLogs.id, options.after!) : options.before !== undefined ? lt(jobLogs.id, options.before) : undefined;
  const rows = await db
    .select({ id: jobLogs.id, at: jobLogs.at, level: jobLogs.level, attempt: jobLogs.attempt, message: jobLogs.message })
    .from(jobLogs)
    .innerJoin(jobs, eq(jobs.id, jobLogs.jobId))
    .where(and(eq(jobLogs.jobId, jobId), visibleJobs(viewer), inArray(jobLogs.level, levelsShown[options.filter ?? 'all']), cursor))
    .orderBy(forward ? asc(jobLogs.id) : desc(jobLogs.id))
    .limit(limit + 1);
  const more = rows.length > limit;
  const lines = rows.slice(0, limit);
  if (!forward) lines.reverse();
  const first = lines[0]?.id ?? null;
  const last = lines.at(-1)?.id ?? null;
  return forward
    ? { lines, earlier: first, later: more ? last : null }
    : { lines, earlier: more ? first : null, later: options.before !== undefined ? last : null };
}

/**
 * "Clear inactive jobs": hides the viewer's completed, failed and cancelled jobs from the jobs page
 * (for an admin, CLI jobs too; never another user's). The rows stay in the history. Returns how
 * many jobs were cleared; the audit row is written in the same transaction.
 */
export async function clearInactiveJobs(viewer: Viewer, source: ActionSource): Promise<number> {
  const condition = clearableJobs(viewer);
  return getDb().transaction(async (tx) => {
    const cleared = await tx
      .update(jobs)
      .set({ clearedAt: sql`now()`, clearedBy: viewer.kind === 'person' ? viewer.id : null, updatedAt: sql`now()` })
      .where(condition)
      .returning({ id: jobs.id });
    const jobIds = cleared.map(({ id }) => id);
    await recordAudit(tx, { viewer, action: 'jobs.clear_inactive', source, jobIds });
    return jobIds.length;
  });
}

export interface HistorySummaryRow {
  task: string;
  status: JobStatus;
  jobs: number;
  /** Mean run time of the jobs that started and ended, in seconds. */
  meanSeconds: number | null;
}

/**
 * Counts of the viewer's visible jobs created in [from, to), by task and status. A worker passes
 * its own pool (`db`) rather than opening the process-wide one.
 */
export async function summariseJobHistory(viewer: Viewer, from: Date, to: Date, db: DbOrTx = getDb()): Promise<HistorySummaryRow[]> {
  const rows = await db
    .select({
      task: jobs.task,
      status: jobs.status,
      jobs: sql<number>`count(*)::int`,
      meanSeconds: sql<number | null>`round(avg(extract(epoch from ${jobs.finishedAt} - ${jobs.startedAt}))::numeric, 3)::float8`,
    })
    .from(jobs)
    .where(and(visibleJobs(viewer), gte(jobs.createdAt, from), lt(jobs.createdAt, to)))
    .groupBy(jobs.task, jobs.status)
    .orderBy(jobs.task, jobs.status);
  return rows;
}
