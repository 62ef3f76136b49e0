import { sql, type SQL } from 'drizzle-orm';
import { jobs } from '@/db/schema';
import { env } from '@/lib/env';

/**
 * A running job with no progress, log line or heartbeat for longer than STUCK_AFTER_MINUTES: its
 * worker may be alive but the task is not getting anywhere. The jobs page flags it; the dashboard
 * counts it and alerts on too many.
 */
export function stuckCondition(): SQL {
  const minutes = env().STUCK_AFTER_MINUTES;
  return sql`(${jobs.status} = 'running' and (${jobs.updatedAt} < now() - make_interval(mins => ${minutes}::int)
    or coalesce(${jobs.heartbeatAt} < now() - make_interval(mins => ${minutes}::int), false)))`;
}
