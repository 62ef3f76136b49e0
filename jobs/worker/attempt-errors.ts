import { sql, type SQL } from 'drizzle-orm';
import { jobs, type AttemptError } from '@/db/schema';
import { isoUtc } from '@/db/sql';

/**
 * `jobs.attempt_errors` with one more entry, stamped with the database's clock like the row's other
 * times. Built in SQL so that it goes into the UPDATE that records the failure (the task wrapper's,
 * or the rescuer's when a worker died).
 */
export function appendAttemptError(entry: Omit<AttemptError, 'at'>): SQL {
  return sql`${jobs.attemptErrors} || jsonb_build_array(jsonb_build_object(
    'attempt', ${entry.attempt}::int,
    'kind', ${entry.kind}::text,
    'at', ${isoUtc(sql`now()`)},
    'workerId', ${entry.workerId}::text,
    'message', ${entry.message}::text,
    'stack', ${entry.stack}::text))`;
}
