import { and, asc, gt, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { jobs } from '@/db/schema';
import { EVENT_MESSAGE_LENGTH, EVENT_STEP_LENGTH, type JobEvent } from '@/jobs/events';
import { visibleJobs } from '@/jobs/permissions';
import type { Viewer } from '@/jobs/viewer';
import type { EventHub } from './hub';
import { encodeJobEvents, encodeText } from './sse';

/** A client further behind than this many changed jobs reloads the page instead of replaying. */
export const REPLAY_LIMIT = 500;

/** The newest event id handed out so far (0 before the first). */
export async function currentEventId(db: DbOrTx): Promise<number> {
  const [row] = await db.execute<{ id: string }>(sql`select case when is_called then last_value else 0 end as id from job_event_seq`);
  return Number(row?.id ?? 0);
}

/**
 * What changed since `lastEventId` among the jobs the viewer may see: each job's current state,
 * oldest change first; null when more than `limit` jobs changed (too much to replay).
 */
export async function eventsSince(db: DbOrTx, viewer: Viewer, lastEventId: number, limit = REPLAY_LIMIT): Promise<JobEvent[] | null> {
  const rows = await db
    .select({
      e: jobs.eventId,
      id: jobs.id,
      owner: jobs.ownerId,
      origin: jobs.origin,
      status: jobs.status,
      progress: jobs.progress,
      step: sql<string | null>`left(${jobs.step}, ${EVENT_STEP_LENGTH})`,
      message: sql<string | null>`left(${jobs.message}, ${EVENT_MESSAGE_LENGTH})`,
      attempts: jobs.attempts,
      warnings: jobs.warnings,
      errors: jobs.errors,
      startedAt: jobs.startedAt,
      finishedAt: jobs.finishedAt,
      updatedAt: jobs.updatedAt,
      clearedAt: jobs.clearedAt,
    })
    .from(jobs)
    .where(and(gt(jobs.eventId, lastEventId), visibleJobs(viewer)))
    .orderBy(asc(jobs.eventId))
    .limit(limit + 1);
  if (rows.length > limit) return null;
  return rows.map(({ clearedAt, startedAt, finishedAt, updatedAt, ...row }) => ({
    ...row,
    startedAt: startedAt?.toISOString() ?? null,
    finishedAt: finishedAt?.toISOString() ?? null,
    updatedAt: updatedAt.toISOString(),
    cleared: clearedAt !== null,
    created: false,
  }));
}

export interface EventStreamOptions {
  hub: EventHub;
  db: DbOrTx;
  viewer: Viewer;
  /** Where the client left off (Last-Event-ID), or the event id its page was rendered at. */
  lastEventId?: number;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
  heartbeatMs?: number;
  /**
   * The stream ends after this long; the browser reconnects at once with its last event id, and the
   * session is checked again (a signed-out or disabled account gets 401 then).
   */
  maxLifetimeMs?: number;
  /** How long to wait for the hub's LISTEN connection before giving up (the client retries). */
  readyTimeoutMs?: number;
}

/**
 * A text/event-stream for one viewer: first what the client missed since `lastEventId` (or a
 * `reload` event when that is too much), then `ready`, then live events as the hub delivers them,
 * with a comment every `heartbeatMs` so that proxies keep the connection open. Live events that
 * arrive during the replay are held and sent after it, so nothing falls in between; a client keeps
 * the newest state per job, so one sent twice does no harm.
 */
export function openEventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const { hub, db, viewer, signal } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxLifetimeMs = options.maxLifetimeMs ?? 5 * 60_000;
  let cleanup = () => {};

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      let closed = false;
      let held: JobEvent[] | null = [];
      const timers: { heartbeat?: ReturnType<typeof setInterval>; lifetime?: ReturnType<typeof setTimeout> } = {};
      let unsubscribe = () => {};
      const write = (text: string | Uint8Array) => {
        if (closed) return;
        try {
          controller.enqueue(typeof text === 'string' ? encodeText(text) : text);
        } catch {
          finish();
        }
      };
      const finish = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(timers.heartbeat);
        clearTimeout(timers.lifetime);
        signal?.removeEventListener('abort', finish);
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      cleanup = finish;
      if (signal?.aborted) return finish();
      signal?.addEventListener('abort', finish, { once: true });

      // Reconnect quickly: the server ends streams on purpose (lifetime, lost database connection).
      write('retry: 1000\n\n');
      if (!(await hub.ready(options.readyTimeoutMs ?? 10_000))) {
        write(': the event source is not available; try again\n\n');
        return finish();
      }
      if (closed) return;
      unsubscribe = hub.subscribe({
        viewer,
        onEvents(events, bytes) {
          if (held) held.push(...events);
          else write(bytes);
        },
        onClose: finish,
      });

      // Held events that the replay already covers are old news: NOTIFYs of changes committed just
      // before the subscription still arrive after it.
      let covered = (event: JobEvent) => options.lastEventId !== undefined && event.e <= options.lastEventId;
      if (options.lastEventId !== undefined) {
        let missed: JobEvent[] | null;
        let resumeAt = 0;
        try {
          missed = await eventsSince(db, viewer, options.lastEventId);
          if (missed === null) resumeAt = Math.max(await currentEventId(db), options.lastEventId);
        } catch {
          return finish();
        }
        if (missed === null) {
          write(`id: ${resumeAt}\nevent: reload\ndata: {"reason":"too many changes to replay"}\n\n`);
          covered = (event) => event.e <= resumeAt;
        } else if (missed.length > 0) {
          write(encodeJobEvents(missed));
          const replayed = new Map(missed.map((event) => [event.id, event.e]));
          const before = covered;
          covered = (event) => before(event) || event.e <= (replayed.get(event.id) ?? 0);
        }
      }
      const pending = held.filter((event) => !covered(event));
      held = null;
      if (pending.length > 0) write(encodeJobEvents(pending));
      write(`event: ready\ndata: {}\n\n`);

      timers.heartbeat = setInterval(() => write(': keep-alive\n\n'), heartbeatMs);
      timers.lifetime = setTimeout(finish, maxLifetimeMs);
    },
    cancel() {
      cleanup();
    },
  });
}
