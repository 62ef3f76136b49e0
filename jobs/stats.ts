import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';

/**
 * Figures about jobs that ended, per minute, task and queue, for the dashboard: a roll-up into
 * `job_stats_minute` and `job_stats_hour` that reads only the jobs ended since it last ran
 * (`jobs_finished_idx`), plus the same aggregation done live for the minutes it has not reached
 * yet. Pages read these small rows instead of counting history, so they cost the same at ten
 * million jobs as at ten.
 */

/** Upper bounds (ms) of the duration buckets; a last bucket holds everything longer. */
export const durationBoundsMs = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000] as const;

/** The roll-up stops this far behind now, so that a job committed a moment late is still read. */
export const ROLLUP_LAG_SECONDS = 15;
/** Minute rows older than this are deleted by the roll-up (the charts show a week). */
export const STATS_KEEP_DAYS = 8;
const MARK = 'job_stats_minute';

/** Ended jobs of one minute, task and queue. `durations[i]` counts completed runs in bucket i. */
export interface MinuteStats {
  minute: Date;
  task: string;
  queue: string;
  completed: number;
  failed: number;
  cancelled: number;
  durationMsSum: number;
  durations: number[];
}

const boundsLiteral = () => sql.raw(`'{${durationBoundsMs.join(',')}}'::float8[]`);

/**
 * The aggregation of jobs that ended in [from, to): one row per minute, task and queue, in one pass,
 * with the duration histogram of completed runs as one `count(*) filter` per bucket (width_bucket
 * gives 0 below the first bound and n above the last).
 */
function endedBetween(from: SQL, to: SQL): SQL {
  const buckets = Array.from({ length: durationBoundsMs.length + 1 }, (_, index) => sql`count(*) filter (where status = 'completed' and bucket = ${sql.raw(String(index))})::int`);
  return sql`
    select minute, task, queue,
      count(*) filter (where status = 'completed')::int as completed,
      count(*) filter (where status = 'failed')::int as failed,
      count(*) filter (where status = 'cancelled')::int as cancelled,
      coalesce(round(sum(ms) filter (where status = 'completed' and ms is not null)), 0)::bigint as duration_ms_sum,
      array[${sql.join(buckets, sql`, `)}] as durations
    from (
      select date_trunc('minute', finished_at) as minute, task, queue, status,
             extract(epoch from finished_at - started_at) * 1000 as ms,
             width_bucket(extract(epoch from finished_at - started_at) * 1000, ${boundsLiteral()}) as bucket
      from jobs
      where finished_at >= ${from} and finished_at < ${to} and status in ('completed', 'failed', 'cancelled')
    ) as ended
    group by minute, task, queue`;
}

export interface RollupReport {
  /** False when another process held the roll-up (it runs in one place at a time). */
  ran: boolean;
  rows: number;
  upTo: Date | null;
}

/** The histogram of a group of rows, summed bucket by bucket: `array[sum(durations[1]), …]`. */
function summedHistogram(): SQL {
  const buckets = Array.from({ length: durationBoundsMs.length + 1 }, (_, index) => sql`sum(durations[${sql.raw(String(index + 1))}])::int`);
  return sql`array[${sql.join(buckets, sql`, `)}]`;
}

/** The upsert's merge: what a roll-up adds to a row that already holds part of its minute or hour. */
function mergeInto(table: 'job_stats_minute' | 'job_stats_hour'): SQL {
  const t = sql.identifier(table);
  return sql`
    completed = ${t}.completed + excluded.completed,
    failed = ${t}.failed + excluded.failed,
    cancelled = ${t}.cancelled + excluded.cancelled,
    duration_ms_sum = ${t}.duration_ms_sum + excluded.duration_ms_sum,
    durations = array(select a + b from unnest(${t}.durations, excluded.durations) as pair(a, b))`;
}

/**
 * Adds the jobs that ended since the last roll-up, up to ROLLUP_LAG_SECONDS ago, to the minute and
 * hour rows, and moves the mark, in one transaction under an advisory lock: run from every worker's
 * heartbeat, it counts each job once. The first run starts STATS_KEEP_DAYS back.
 */
export async function rollUpJobStats(db: DbOrTx): Promise<RollupReport> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(hashtext('jobs-console:job-stats')) as locked`);
    if (!lock?.locked) return { ran: false, rows: 0, upTo: null };
    const [marks] = await tx.execute<{ from_at: string; to_at: string }>(sql`
      select coalesce((select at from maintenance_marks where name = ${MARK}), date_trunc('minute', now() - make_interval(days => ${STATS_KEEP_DAYS})))::text as from_at,
             (now() - make_interval(secs => ${ROLLUP_LAG_SECONDS}))::text as to_at`);
    const from = marks!.from_at;
    const to = marks!.to_at;
    if (new Date(to) <= new Date(from)) return { ran: true, rows: 0, upTo: new Date(from) };
    // One read of the new jobs feeds both tables.
    const [added] = await tx.execute<{ rows: number }>(sql`
      with delta as (${endedBetween(sql`${from}::timestamptz`, sql`${to}::timestamptz`)}),
      minutes as (
        insert into job_stats_minute (minute, task, queue, completed, failed, cancelled, duration_ms_sum, durations)
        select minute, task, queue, completed, failed, cancelled, duration_ms_sum, durations from delta
        on conflict (minute, task, queue) do update set ${mergeInto('job_stats_minute')}
        returning 1
      ),
      hours as (
        insert into job_stats_hour (hour, task, queue, completed, failed, cancelled, duration_ms_sum, durations)
        select date_trunc('hour', minute), task, queue, sum(completed)::int, sum(failed)::int, sum(cancelled)::int,
               sum(duration_ms_sum)::bigint, ${summedHistogram()}
        from delta group by 1, 2, 3
        on conflict (hour, task, queue) do update set ${mergeInto('job_stats_hour')}
        returning 1
      )
      select (select count(*) from minutes)::int + (select count(*) from hours)::int as rows`);
    await tx.execute(sql`
      insert into maintenance_marks (name, at) values (${MARK}, ${to}::timestamptz)
      on conflict (name) do update set at = excluded.at`);
    await tx.execute(sql`delete from job_stats_minute where minute < now() - make_interval(days => ${STATS_KEEP_DAYS})`);
    await tx.execute(sql`delete from job_stats_hour where hour < now() - make_interval(days => ${STATS_KEEP_DAYS})`);
    return { ran: true, rows: added?.rows ?? 0, upTo: new Date(to) };
  });
}

type MinuteRow = {
  minute: string;
  task: string;
  queue: string;
  completed: number;
  failed: number;
  cancelled: number;
  duration_ms_sum: string | number;
  durations: number[] | string;
};

function toMinuteStats(row: MinuteRow): MinuteStats {
  // Raw rows: timestamps and bigints come as text, int arrays as arrays (or text, by driver).
  const durations = Array.isArray(row.durations) ? row.durations.map(Number) : row.durations.replace(/[{}]/g, '').split(',').map(Number);
  return {
    minute: new Date(row.minute),
    task: row.task,
    queue: row.queue,
    completed: Number(row.completed),
    failed: Number(row.failed),
    cancelled: Number(row.cancelled),
    durationMsSum: Number(row.duration_ms_sum),
    durations,
  };
}

/** How finely `statsSince` groups: per minute, per hour, or one row per task and queue for the span. */
export type StatsGrain = 'minute' | 'hour' | 'span';

/**
 * Stats of the jobs that ended from `since` on, per grain, task and queue, summed in the database
 * from three parts: the roll-up's rows before its mark, and the same aggregation computed live
 * after it (a few seconds of jobs), so figures are current. Per hour and for a span, whole hours
 * come from the hour rows and only the partial hours at either end from minute rows, so a week is
 * a few thousand rows whatever the history. For `span`, `minute` is `since`.
 */
export async function statsSince(db: DbOrTx, since: Date, grain: StatsGrain = 'minute'): Promise<MinuteStats[]> {
  const at = sql`${since.toISOString()}::timestamptz`;
  const bucket = grain === 'minute' ? sql`minute` : grain === 'hour' ? sql`date_trunc('hour', minute)` : at;
  const columns = sql`task, queue, completed, failed, cancelled, duration_ms_sum, durations`;
  // mark: how far the roll-up has read; first_hour: the first whole hour from since; last_hour: the
  // hour the mark is in (partly rolled up, so read from minute rows).
  const rolledUp =
    grain === 'minute'
      ? sql`select minute, ${columns} from job_stats_minute, bounds where minute >= date_trunc('minute', ${at}) and minute < bounds.mark`
      : sql`
      select hour as minute, ${columns} from job_stats_hour, bounds where hour >= bounds.first_hour and hour < bounds.last_hour
      union all
      select minute, ${columns} from job_stats_minute, bounds
      where minute >= date_trunc('minute', ${at}) and minute < least(bounds.first_hour, bounds.mark)
         or minute >= greatest(bounds.last_hour, bounds.first_hour) and minute < bounds.mark`;
  const rows = await db.execute<MinuteRow>(sql`
    with mark as (
      select coalesce((select at from maintenance_marks where name = ${MARK}), ${at}) as at
    ),
    bounds as (
      select mark.at as mark, date_trunc('hour', mark.at) as last_hour,
             date_trunc('hour', ${at} - interval '1 microsecond') + interval '1 hour' as first_hour
      from mark
    ),
    live as (${endedBetween(sql`greatest((select at from mark), ${at})`, sql`now() + interval '1 minute'`)}),
    every_row as (
      ${rolledUp}
      union all
      select minute, ${columns} from live
    )
    select to_char(${bucket} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as minute, task, queue,
      sum(completed)::int as completed, sum(failed)::int as failed, sum(cancelled)::int as cancelled,
      sum(duration_ms_sum)::bigint as duration_ms_sum, ${summedHistogram()} as durations
    from every_row
    group by 1, 2, 3`);
  return [...rows].map(toMinuteStats);
}

/** Sums of a set of minute rows. */
export interface StatsTotals {
  completed: number;
  failed: number;
  cancelled: number;
  durationMsSum: number;
  durations: number[];
}

export function sumStats(rows: Iterable<MinuteStats>): StatsTotals {
  const totals: StatsTotals = { completed: 0, failed: 0, cancelled: 0, durationMsSum: 0, durations: new Array<number>(durationBoundsMs.length + 1).fill(0) };
  for (const row of rows) {
    totals.completed += row.completed;
    totals.failed += row.failed;
    totals.cancelled += row.cancelled;
    totals.durationMsSum += row.durationMsSum;
    row.durations.forEach((count, index) => (totals.durations[index] = (totals.durations[index] ?? 0) + count));
  }
  return totals;
}

/**
 * The `fraction` percentile of a duration histogram, as the upper bound of the bucket it falls in
 * (so "p95 ≤ 2.5 s"); the open last bucket reports its lower bound. Null without runs.
 */
export function histogramPercentile(durations: number[], fraction: number): number | null {
  const total = durations.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(fraction * total);
  let seen = 0;
  for (let index = 0; index < durations.length; index++) {
    seen += durations[index]!;
    if (seen >= rank) return durationBoundsMs[Math.min(index, durationBoundsMs.length - 1)]!;
  }
  return durationBoundsMs[durationBoundsMs.length - 1]!;
}
