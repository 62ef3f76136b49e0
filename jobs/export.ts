import { and, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import postgres, { type Sql } from 'postgres';
import { jobs } from '@/db/schema';
import { isoUtc } from '@/db/sql';
import { CsvRecordCounter, csvFormulaLeads } from '@/lib/csv';
import { filterCondition, type JobFilter } from './filters';
import { listedJobs, seesAllJobs, visibleJobs } from './permissions';
import type { Viewer } from './viewer';

/**
 * The history export: the jobs a viewer may export, as CSV or JSON lines, streamed so that memory
 * stays flat whatever the size. AtoM's columns come first, in its order.
 *
 * CSV is written by PostgreSQL's own CSV writer, `COPY (query) TO STDOUT WITH (FORMAT csv, HEADER)`,
 * which quotes by RFC 4180 (a field holding a comma, a quote or a line break is quoted, its quotes
 * doubled) and ends records with a line feed. The query neutralises formula cells before COPY sees
 * them. JSON lines come from a cursor. Each export runs on a connection of its own, closed at the
 * end: it holds none of the web pool's, and a download abandoned midway ends its query.
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

/** Rows fetched from the cursor at a time (JSON lines): one chunk each. */
const BATCH = 1000;
/** COPY sends a message per row; they go to the client in chunks of about this many bytes. */
const CHUNK_BYTES = 64 * 1024;

/**
 * What the viewer's export holds: a user's own jobs as their page lists them; an admin's and an
 * auditor's every job, those users cleared from their pages included (marked by `clearedAt`).
 */
export function exportedJobs(viewer: Viewer) {
  return seesAllJobs(viewer) ? visibleJobs(viewer) : listedJobs(viewer);
}

const dialect = new PgDialect();

/**
 * A text cell a spreadsheet will show as text: one that starts with a formula character gets a
 * leading `'`, the same rule as `neutraliseCsvCell`, done by PostgreSQL ahead of its COPY.
 */
function csvSafe(expression: SQL): SQL {
  return sql`case when left(${expression}, 1) = any(string_to_array(${csvFormulaLeads}::text, null)) then '''' || ${expression} else ${expression} end`;
}

/**
 * The export's query, newest job first, as SQL text and parameters. For CSV its text cells are
 * neutralised; JSON lines keep them as they are (JSON is not read by spreadsheets).
 */
export function exportQuery(viewer: Viewer, filter: JobFilter, format: ExportFormat): { text: string; params: unknown[] } {
  const text = (expression: SQL) => (format === 'csv' ? csvSafe(expression) : expression);
  const query = sql`
    select
      ${isoUtc(jobs.createdAt)} as "startDate",
      ${isoUtc(jobs.finishedAt)} as "endDate",
      ${text(sql`${jobs.title}`)} as "jobName",
      ${jobs.status}::text as "jobStatus",
      ${text(sql`${jobs.message}`)} as "jobInfo",
      ${text(sql`coalesce(owners.email, ${jobs.osUser} || ' (cli)')`)} as "jobUser",
      ${jobs.id} as "id",
      ${text(sql`${jobs.task}`)} as "task",
      ${jobs.origin}::text as "origin",
      ${jobs.priority}::text as "priority",
      ${text(sql`${jobs.queue}`)} as "queue",
      ${jobs.attempts} as "attempts",
      round(extract(epoch from ${jobs.finishedAt} - ${jobs.startedAt})::numeric, 3)::float8 as "durationSeconds",
      ${jobs.warnings} as "warnings",
      ${jobs.errors} as "errors",
      ${text(sql`${jobs.error}`)} as "errorMessage",
      ${isoUtc(jobs.clearedAt)} as "clearedAt",
      ${text(sql`${jobs.relatedUrl}`)} as "relatedUrl"
    from ${jobs}
    left join users owners on owners.id = ${jobs.ownerId}
    where ${and(exportedJobs(viewer), filterCondition(filter)) ?? sql`true`}
    order by ${jobs.id} desc`;
  const { sql: queryText, params } = dialect.sqlToQuery(query);
  return { text: queryText, params };
}

/**
 * The query with its parameters written in as literals, for COPY, which takes none. Strings are
 * quoted the standard way, which is the whole of SQL string escaping when standard_conforming_strings
 * is on: the export's connection sets it at start-up rather than trusting the server's default.
 * A NUL cannot be sent in a query, so it is refused (the filter schema refuses it first).
 */
export function inlineParameters(text: string, params: unknown[]): string {
  const literal = (value: unknown): string => {
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'string') {
      if (value.includes('\0')) throw new Error('A NUL character cannot be part of a query.');
      return `'${value.replace(/'/g, "''")}'`;
    }
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return String(value);
    if (value instanceof Date) return literal(value.toISOString());
    throw new Error(`No literal for the parameter ${String(value)}.`);
  };
  // One pass: a value that itself holds `$2` is not replaced again.
  return text.replace(/\$(\d+)\b/g, (_, position: string) => literal(params[Number(position) - 1]));
}

/** The COPY that writes the export's CSV, header first. */
export function exportCopyStatement(viewer: Viewer, filter: JobFilter): string {
  const { text, params } = exportQuery(viewer, filter, 'csv');
  return `copy (${inlineParameters(text, params)}) to stdout with (format csv, header)`;
}

/**
 * The connection one export runs on: read-only, and with standard strings, on which the literals of
 * `inlineParameters` rely. Closed by the export, never returned to a pool: postgres.js can leave a
 * connection's socket paused after a COPY (porsager/postgres#499), which would hang a pooled one.
 */
function exportConnection(databaseUrl: string): Sql {
  return postgres(databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: {
      application_name: 'jobs-console-export',
      standard_conforming_strings: 'on',
      default_transaction_read_only: true,
    },
  });
}

type ExportRow = Record<(typeof exportColumns)[number], unknown>;

function encodeJsonl(rows: ExportRow[]): string {
  let out = '';
  for (const row of rows) {
    // postgres.js returns bigint ids as strings; ids here are safe integers.
    row.id = Number(row.id);
    out += JSON.stringify(Object.fromEntries(exportColumns.map((column) => [column, row[column] ?? null]))) + '\n';
  }
  return out;
}

export interface ExportOptions {
  /** The database to export from; the export opens a connection of its own to it. */
  databaseUrl: string;
  viewer: Viewer;
  filter: JobFilter;
  format: ExportFormat;
  /** Called once at the end, with how many rows went out and whether the client read them all. */
  onDone?(rows: number, complete: boolean): Promise<void> | void;
}

/** Where an export's bytes come from: `next` gives the next chunk, undefined at the end. */
interface ChunkSource {
  next(): Promise<Uint8Array | undefined>;
  rows(): number;
}

function csvSource(connection: Sql, statement: string): ChunkSource {
  const counter = new CsvRecordCounter();
  let messages: AsyncIterator<Buffer> | undefined;
  return {
    async next() {
      messages ??= ((await connection.unsafe(statement).readable()) as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const parts: Buffer[] = [];
      let size = 0;
      while (size < CHUNK_BYTES) {
        const next = await messages.next();
        if (next.done) break;
        parts.push(next.value);
        size += next.value.length;
      }
      if (parts.length === 0) return undefined;
      const chunk = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      counter.add(chunk);
      return chunk;
    },
    // Less the header line.
    rows: () => Math.max(0, counter.records - 1),
  };
}

function jsonlSource(connection: Sql, text: string, params: unknown[]): ChunkSource {
  const encoder = new TextEncoder();
  const batches = connection.unsafe<ExportRow[]>(text, params as never[]).cursor(BATCH)[Symbol.asyncIterator]();
  let count = 0;
  return {
    async next() {
      const next = await batches.next();
      if (next.done) return undefined;
      count += next.value.length;
      return encoder.encode(encodeJsonl(next.value));
    },
    rows: () => count,
  };
}

/**
 * The export as a byte stream, pulled: each read fetches more from the database, so a slow client
 * slows the query instead of filling memory. A client that goes away closes the connection, which
 * ends the query.
 */
export function exportStream(options: ExportOptions): ReadableStream<Uint8Array> {
  // Built before connecting, so that a filter that cannot be written as SQL throws here.
  const query = options.format === 'csv' ? undefined : exportQuery(options.viewer, options.filter, options.format);
  const statement = options.format === 'csv' ? exportCopyStatement(options.viewer, options.filter) : undefined;
  let connection: Sql | undefined;
  let source: ChunkSource | undefined;
  let finished = false;
  const finish = async (complete: boolean) => {
    if (finished) return;
    finished = true;
    await connection?.end({ timeout: 0 }).catch(() => {});
    await options.onDone?.(source?.rows() ?? 0, complete);
  };
  return new ReadableStream<Uint8Array>(
    {
      start() {
        connection = exportConnection(options.databaseUrl);
        source = statement ? csvSource(connection, statement) : jsonlSource(connection, query!.text, query!.params);
      },
      async pull(controller) {
        try {
          const chunk = await source!.next();
          if (chunk) {
            controller.enqueue(chunk);
            return;
          }
          await finish(true);
          controller.close();
        } catch (error) {
          await finish(false);
          controller.error(error);
        }
      },
      async cancel() {
        await finish(false);
      },
    },
    { highWaterMark: 1 },
  );
}
