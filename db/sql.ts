import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/** A timestamptz as ISO 8601 in UTC with milliseconds (`2026-11-21T14:03:05.123Z`), made by Postgres. */
export function isoUtc(value: SQLWrapper): SQL {
  return sql`to_char(${value} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
