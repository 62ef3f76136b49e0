import { and, desc, gte, ilike, lt, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { stringify } from 'csv-stringify/sync';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { isoUtc } from '@/db/sql';
import { neutraliseCsvCell } from '@/lib/csv';
import { dayRange, escapeLike, optionalDay, optionalText } from '@/lib/query-params';
import { ForbiddenError } from './errors';
import type { Viewer } from './viewer';

/**
 * Reading the audit trail: the page for admins and auditors, and its CSV export. The table itself
 * is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE, migration 0001).
 */

/** Who reads the audit trail: admins, auditors and the command line. */
export function canReadAudit(viewer: Viewer): boolean {
  return viewer.kind === 'cli' || viewer.role !== 'user';
}

export const auditFilterSchema = z.object({
  /** Part of the actor's email (or OS user). */
  actor: optionalText(200),
  /** The exact action, e.g. `job.cancel`. */
  action: optionalText(100),
  from: optionalDay,
  to: optionalDay,
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

function auditCondition(filter: AuditFilter): SQL | undefined {
  const { start, end } = dayRange(filter.from, filter.to);
  return and(
    filter.actor ? ilike(auditEvents.actorLabel, `%${escapeLike(filter.actor)}%`) : undefined,
    filter.action ? sql`${auditEvents.action} = ${filter.action}` : undefined,
    start ? gte(auditEvents.at, start) : undefined,
    end ? lt(auditEvents.at, end) : undefined,
  );
}

export interface AuditRow {
  id: number;
  at: Date;
  actorLabel: string;
  actorRole: string;
  action: string;
  jobIds: number[];
  jobCount: number;
  filter: unknown;
  origin: string;
  address: string | null;
  details: unknown;
}

/** One page of the trail, newest first, by keyset (`before` an id). */
export async function listAuditEvents(
  viewer: Viewer,
  filter: AuditFilter,
  options: { before?: number; limit?: number } = {},
  db: DbOrTx = getDb(),
): Promise<{ rows: AuditRow[]; older: number | null }> {
  if (!canReadAudit(viewer)) throw new ForbiddenError('Only administrators and auditors read the audit trail.');
  const limit = options.limit ?? 50;
  const rows = await db
    .select()
    .from(auditEvents)
    .where(and(auditCondition(filter), options.before !== undefined ? lt(auditEvents.id, options.before) : undefined))
    .orderBy(desc(auditEvents.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, older: rows.length > limit ? page.at(-1)!.id : null };
}

/** The actions recorded so far, for the filter's list. */
export async function auditActions(db: DbOrTx = getDb()): Promise<string[]> {
  const rows = await db.selectDistinct({ action: auditEvents.action }).from(auditEvents).orderBy(auditEvents.action);
  return rows.map((row) => row.action);
}

export const auditColumns = ['at', 'actor', 'role', 'action', 'jobCount', 'jobIds', 'filter', 'origin', 'address', 'details'] as const;

const dialect = new PgDialect();

/**
 * The trail as CSV, streamed from a cursor like the history export, with the same protection
 * against formulas. Oldest first, so that a file reads as a story.
 */
export function auditExportStream(options: { client: Sql; viewer: Viewer; filter: AuditFilter; onDone?(rows: number): Promise<void> | void }): ReadableStream<Uint8Array> {
  if (!canReadAudit(options.viewer)) throw new ForbiddenError('Only administrators and auditors read the audit trail.');
  const { sql: text, params } = dialect.sqlToQuery(sql`
    select
      ${isoUtc(auditEvents.at)} as "at",
      ${auditEvents.actorLabel} as "actor",
      ${auditEvents.actorRole} as "role",
      ${auditEvents.action} as "action",
      ${auditEvents.jobCount} as "jobCount",
      array_to_string(${auditEvents.jobIds}, ' ') as "jobIds",
      ${auditEvents.filter}::text as "filter",
      ${auditEvents.origin} as "origin",
      ${auditEvents.address} as "address",
      ${auditEvents.details}::text as "details"
    from ${auditEvents}
    where ${auditCondition(options.filter) ?? sql`true`}
    order by ${auditEvents.id}`);
  const encoder = new TextEncoder();
  const csv = (rows: Record<string, unknown>[], header: boolean) =>
    stringify(
      rows.map((row) => auditColumns.map((column) => row[column])),
      { header, columns: header ? [...auditColumns] : undefined, record_delimiter: 'windows', cast: { string: neutraliseCsvCell } },
    );
  let iterator: AsyncIterator<Record<string, unknown>[]> | undefined;
  let count = 0;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(csv([], true)));
        iterator = options.client.unsafe<Record<string, unknown>[]>(text, params as never[]).cursor(1000)[Symbol.asyncIterator]();
      },
      async pull(controller) {
        const next = await iterator!.next();
        if (next.done) {
          await options.onDone?.(count);
          controller.close();
          return;
        }
        count += next.value.length;
        controller.enqueue(encoder.encode(csv(next.value, false)));
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}
