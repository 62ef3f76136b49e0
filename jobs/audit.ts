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

/**
 * Appends one row to the audit trail. Call it inside the transaction of the change it records, so
 * that a change is never without its record, nor a record without its change.
 */
export async function recordAudit(
  tx: DbOrTx,
  entry: {
    viewer: Viewer | null;
    /** Who acted when there is no viewer (a failed sign-in names the email tried). */
    actorLabel?: string;
    action: string;
    source: ActionSource;
    jobIds?: number[];
    jobCount?: number;
    filter?: Record<string, unknown>;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  const { viewer, source } = entry;
  const jobIds = entry.jobIds ?? [];
  await tx.insert(auditEvents).values({
    actorId: viewer?.kind === 'person' ? viewer.id : null,
    actorLabel: viewer ? viewerLabel(viewer) : (entry.actorLabel ?? 'anonymous'),
    actorRole: viewer ? viewerRole(viewer) : 'anonymous',
    action: entry.action,
    jobIds: jobIds.slice(0, MAX_AUDITED_IDS),
    jobCount: entry.jobCount ?? jobIds.length,
    filter: entry.filter ?? null,
    origin: source.origin,
    address: source.address ?? null,
    details: jobIds.length > MAX_AUDITED_IDS ? { ...entry.details, idsTruncated: true } : (entry.details ?? null),
  });
}
