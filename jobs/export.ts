import { and, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { stringify } from 'csv-stringify/sync';
import type { Sql } from 'postgres';
import { jobs } from '@/db/schema';
import { isoUtc } from '@/db/sql';
import { neutraliseCsvCell } from '@/lib/csv';
import { filterCondition, type JobFilter } from './filters';
import { listedJobs, seesAllJobs, visibleJobs } from './permissions';
import type { Viewer } from './viewer';

/**
 * The history export: the jobs a viewer may export, as CSV or JSON lines, streamed from a database
 * cursor so that memory stays flat whatever the size. AtoM's columns come first, in its order.
 */

export const exportFormats = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const exportColumns = [
  'startDate',
  'endDate',
  'jobName',
  'jobStatus',
  'jobInfo',
  'jobUser',
  'id',
  'task',
  'origin',
  'priority',
  'queue',
  'attempts',
  'durationSeconds',
  'warnings',
  'errors',
  'errorMessage',
  'clearedAt',
  'relatedUrl',
] as const;

/** Rows fetched from the cursor at a time: one CSV chunk each. */
const BATCH = 1000;

/**
 * What the viewer's export holds: a user's own jobs as their page lists them; an admin's and an
 * auditor's every job, those users cleared from their pages included (marked by `clearedAt`).
 */
export function exportedJobs(viewer: Viewer) {
  return seesAllJobs(viewer) ? visibleJobs(viewer) : listedJobs(viewer);
}

const dialect = new PgDialect();

/** The export's query, newest job first, as SQL text and parameters for a cursor. */
export function exportQuery(viewer: Viewer, filter: JobFilter): { text: string; params: unknown[] } {
  const query = sql`
    select
      ${isoUtc(jobs.createdAt)} as "startDate",
      ${isoUtc(jobs.finishedAt)} as "endDate",
      ${jobs.title} as "jobName",
      ${jobs.status}::text as "jobStatus",
      ${jobs.message} as "jobInfo",
      coalesce(owners.email, ${jobs.osUser} || ' (cli)') as "jobUser",
      ${jobs.id} as "id",
      ${jobs.task} as "task",
      ${jobs.origin}::text as "origin",
      ${jobs.priority}::text as "priority",
      ${jobs.queue} as "queue",
      ${jobs.attempts} as "attempts",
      round(extract(epoch from ${jobs.finishedAt} - ${jobs.startedAt})::numeric, 3)::float8 as "durationSeconds",
      ${jobs.warnings} as "warnings",
      ${jobs.errors} as "errors",
      ${jobs.error} as "errorMessage",
      ${isoUtc(jobs.clearedAt)} as "clearedAt",
      ${jobs.relatedUrl} as "relatedUrl"
    from ${jobs}
    left join users owners on owners.id = ${jobs.ownerId}
    where ${and(exportedJobs(viewer), filterCondition(filter)) ?? sql`true`}
    order by ${jobs.id} desc`;
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { text, params };
}

type ExportRow = Record<(typeof exportColumns)[number], unknown>;

function toIso(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/** postgres.js returns bigint ids as strings; ids here are safe integers. */
function normalise(rows: ExportRow[]): ExportRow[] {
  for (const row of rows) row.id = Number(row.id);
  return rows;
}

function encodeCsv(rows: ExportRow[], header: boolean): string {
  return stringify(
    rows.map((row) => exportColumns.map((column) => toIso(row[column]))),
    {
      header,
      columns: header ? [...exportColumns] : undefined,
      record_delimiter: 'windows',
      // Text that a spreadsheet would run as a formula is neutralised; numbers stay numbers.
      cast: { string: neutraliseCsvCell },
    },
  );
}

function encodeJsonl(rows: ExportRow[]): string {
  return rows.map((row) => JSON.stringify(Object.fromEntries(exportColumns.map((column) => [column, toIso(row[column]) ?? null])))).join('\n') + (rows.length > 0 ? '\n' : '');
}

export interface ExportOptions {
  client: Sql;
  viewer: Viewer;
  filter: JobFilter;
  format: ExportFormat;
  /** Called once at the end, with how many rows went out and whether the client read them all. */
  onDone?(rows: number, complete: boolean): Promise<void> | void;
}

/**
 * The export as a byte stream, pulled: each read fetches the next batch from the cursor, so a slow
 * client slows the query instead of filling memory.
 */
export function exportStream(options: ExportOptions): ReadableStream<Uint8Array> {
  const { text, params } = exportQuery(options.viewer, options.filter);
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<ExportRow[]> | undefined;
  let count = 0;
  let finished = false;
  const finish = async (complete: boolean) => {
    if (finished) return;
    finished = true;
    await options.onDone?.(count, complete);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (options.format === 'csv') controller.enqueue(encoder.encode(encodeCsv([], true)));
        iterator = options.client.unsafe<ExportRow[]>(text, params as never[]).cursor(BATCH)[Symbol.asyncIterator]();
      },
      async pull(controller) {
        try {
          const next = await iterator!.next();
          if (next.done) {
            await finish(true);
            controller.close();
            return;
          }
          const rows = normalise(next.value);
          count += rows.length;
          controller.enqueue(encoder.encode(options.format === 'csv' ? encodeCsv(rows, false) : encodeJsonl(rows)));
        } catch (error) {
          await finish(false);
          controller.error(error);
        }
      },
      async cancel() {
        await iterator?.return?.();
        await finish(false);
      },
    },
    { highWaterMark: 1 },
  );
}
