import { sql, type SQL } from 'drizzle-orm';
import { auditEvents } from '@/db/schema';
import type { DbOrTx } from '@/db/client';
import { viewerLabel, viewerRole, type Viewer } from './viewer';

/** Where an action came from, for the audit trail. */
export interface ActionSource {
  origin: 'web' | 'cli' | 'api';
  /** The client's address, when the action came over HTTP. */
  address?: string | null;
}

/** How many job ids one audit row keeps; the count is always exact. */
const MAX_AUDITED_IDS = 1000;

interface AuditEntry {
  viewer: Viewer | null;
  /** Who acted when there is no viewer (a failed sign-in names the email tried). */
  actorLabel?: string;
  action: string;
  source: ActionSource;
  jobIds?: number[];
  jobCount?: number;
  filter?: Record<string, unknown>;
  details?: Record<string, unknown>;
}

/** Who did it, what and from where: the columns of an audit row other than the jobs'. */
function actorColumns(entry: AuditEntry) {
  const { viewer, source } = entry;
  return {
    actorId: viewer?.kind === 'person' ? viewer.id : null,
    actorLabel: viewer ? viewerLabel(viewer) : (entry.actorLabel ?? 'anonymous'),
    actorRole: viewer ? viewerRole(viewer) : 'anonymous',
    action: entry.action,
    filter: entry.filter ?? null,
    origin: source.origin,
    address: source.address ?? null,
  };
}

/**
 * Appends one row to the audit trail. Call it inside the transaction of the change it records, so
 * that a change is never without its record, nor a record without its change.
 */
export async function recordAudit(tx: DbOrTx, entry: AuditEntry): Promise<void> {
  const jobIds = entry.jobIds ?? [];
  await tx.insert(auditEvents).values({
    ...actorColumns(entry),
    jobIds: jobIds.slice(0, MAX_AUDITED_IDS),
    jobCount: entry.jobCount ?? jobIds.length,
    details: jobIds.length > MAX_AUDITED_IDS ? { ...entry.details, idsTruncated: true } : (entry.details ?? null),
  });
}

/**
 * The audit row for jobs the same statement creates, as a data-modifying CTE body: their ids come
 * from `relation` (a CTE with an `id` column); nothing is written when it is empty. The same row as
 * recordAudit would write.
 */
export function auditInsertFor(entry: Omit<AuditEntry, 'jobIds' | 'jobCount'>, relation: SQL): SQL {
  const columns = actorColumns(entry);
  const json = (value: unknown) => (value == null ? sql`null::jsonb` : sql`${JSON.stringify(value)}::jsonb`);
  const details = json(entry.details);
  return sql`
    insert into audit_events (actor_id, actor_label, actor_role, action, job_ids, job_count, filter, origin, address, details)
    select ${columns.actorId}::uuid, ${columns.actorLabel}, ${columns.actorRole}, ${columns.action},
           array(select id from ${relation} order by id limit ${MAX_AUDITED_IDS}), counted.n,
           ${json(columns.filter)}, ${columns.origin}, ${columns.address},
           case when counted.n > ${MAX_AUDITED_IDS} then coalesce(${details}, '{}') || '{"idsTruncated": true}' else ${details} end
    from (select count(*)::int as n from ${relation}) as counted
    where counted.n > 0`;
}
