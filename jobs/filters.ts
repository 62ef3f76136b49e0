import { and, eq, gte, ilike, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { jobOrigins, jobPriorities, jobs, jobSearch, jobStatuses, users } from '@/db/schema';
import { dayRange, escapeLike, optionalDay, optionalText } from '@/lib/query-params';
import { jobTabs } from './tabs';

/**
 * The fewest characters the words filter takes: its trigram index finds nothing to look up in a
 * shorter pattern and would read every row instead.
 */
export const SEARCH_MIN_CHARACTERS = 3;

/** An optional choice among `values`, as a select sends it; empty is undefined. */
const optionalChoice = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.enum(values), z.literal('')])
    .transform((value) => (value === '' ? undefined : value))
    .optional();

/**
 * The jobs page's view: a tab and optional filters, as URL query parameters, so a view can be
 * bookmarked, shared, exported and bulk-acted on. One schema reads them everywhere; a bad value is
 * dropped (the page shows everything rather than an error), the export refuses it with a message.
 */
export const jobFilterSchema = z.object({
  tab: z.enum(jobTabs).default('all'),
  task: optionalText(100),
  status: optionalChoice(jobStatuses),
  origin: optionalChoice(jobOrigins),
  priority: optionalChoice(jobPriorities),
  /** A queue's exact name. */
  queue: optionalText(100),
  /** The email (or part of it) of who started the job; for admins and auditors. */
  user: optionalText(200),
  /** Jobs created on or after this day (UTC). */
  from: optionalDay,
  /** Jobs created on or before this day (UTC). */
  to: optionalDay,
  /** Words in the title, the arguments or the error, at least SEARCH_MIN_CHARACTERS of them. */
  q: optionalText(200).refine(
    (value) => value === undefined || [...value].length >= SEARCH_MIN_CHARACTERS,
    `At least ${SEARCH_MIN_CHARACTERS} characters`,
  ),
});

export type JobFilter = z.infer<typeof jobFilterSchema>;

export const filterKeys = ['task', 'status', 'origin', 'queue', 'priority', 'user', 'from', 'to', 'q'] as const;
export type FilterKey = (typeof filterKeys)[number];

/** Reads a filter from query parameters; with `lenient`, bad values are dropped instead of refused. */
export function parseJobFilter(params: Record<string, string | string[] | undefined>, lenient = true): z.ZodSafeParseResult<JobFilter> {
  const single = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
  const parsed = jobFilterSchema.safeParse(single);
  if (parsed.success || !lenient) return parsed;
  const bad = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
  return jobFilterSchema.safeParse(Object.fromEntries(Object.entries(single).filter(([key]) => !bad.has(key))));
}

export type FilterProblems = Partial<Record<FilterKey, { message: string; value: string }>>;

/**
 * The filter fields a strict reading refuses, each with its first message and the text that was
 * refused, so the form can show both where the lenient reading silently dropped the value.
 */
export function filterProblems(params: Record<string, string | string[] | undefined>): FilterProblems {
  const parsed = parseJobFilter(params, false);
  if (parsed.success) return {};
  const problems: FilterProblems = {};
  for (const issue of parsed.error.issues) {
    const key = filterKeys.find((candidate) => candidate === issue.path[0]);
    if (key === undefined || problems[key]) continue;
    const raw = params[key];
    problems[key] = { message: issue.message, value: (Array.isArray(raw) ? raw[0] : raw) ?? '' };
  }
  return problems;
}

/** The filter as query parameters (empty ones left out), to build links that keep it. */
export function filterQuery(filter: Partial<JobFilter>): URLSearchParams {
  const query = new URLSearchParams();
  if (filter.tab && filter.tab !== 'all') query.set('tab', filter.tab);
  for (const key of filterKeys) {
    const value = filter[key];
    if (value !== undefined) query.set(key, value);
  }
  return query;
}

/** Whether anything beyond the tab is filtered. */
export function isFiltered(filter: JobFilter): boolean {
  return filterKeys.some((key) => filter[key] !== undefined);
}

/** The filter's conditions on `jobs`, the tab's included (no join needed). */
export function filterCondition(filter: JobFilter): SQL | undefined {
  const { start: from, end: to } = dayRange(filter.from, filter.to);
  const words = filter.q ? `%${escapeLike(filter.q)}%` : undefined;
  return and(
    filter.tab === 'active' ? inArray(jobs.status, ['scheduled', 'queued', 'retrying', 'running']) : undefined,
    filter.tab === 'failed' ? eq(jobs.status, 'failed') : undefined,
    filter.task ? eq(jobs.task, filter.task) : undefined,
    filter.status ? eq(jobs.status, filter.status) : undefined,
    filter.origin ? eq(jobs.origin, filter.origin) : undefined,
    filter.queue ? eq(jobs.queue, filter.queue) : undefined,
    filter.priority ? eq(jobs.priority, filter.priority) : undefined,
    filter.user
      ? or(
          inArray(jobs.ownerId, sql`(select ${users.id} from ${users} where ${users.email} ilike ${`%${escapeLike(filter.user)}%`})`),
          ilike(jobs.osUser, `%${escapeLike(filter.user)}%`),
        )
      : undefined,
    from ? gte(jobs.createdAt, from) : undefined,
    to ? lt(jobs.createdAt, to) : undefined,
    // job_search holds title, error and arguments in one text with a trigram index (migration 0006),
    // which serves ILIKE '%…%': `jobs` itself would need a scan of every row.
    words ? inArray(jobs.id, sql`(select ${jobSearch.jobId} from ${jobSearch} where ${ilike(jobSearch.document, words)})`) : undefined,
  );
}

/** A short description of the view for file names: `failed-history-report-2026-11-01-to-2026-11-21`. */
export function filterSlug(filter: JobFilter): string {
  const parts = [
    filter.tab,
    filter.task,
    filter.status,
    filter.origin,
    filter.queue ? `queue-${filter.queue}` : undefined,
    filter.priority ? `priority-${filter.priority}` : undefined,
    filter.user ? 'user' : undefined,
    filter.from,
    filter.to ? `to-${filter.to}` : undefined,
    filter.q ? 'search' : undefined,
  ];
  return parts
    .filter((part): part is string => Boolean(part))
    .join('-')
    .replace(/[^a-z0-9-]+/gi, '-')
    .slice(0, 80);
}
