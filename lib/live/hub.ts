import postgres, { type Sql } from 'postgres';
import { canSeeJob, seesAllJobs } from '@/jobs/permissions';
import { jobEventSchema, type JobEvent } from '@/jobs/events';
import type { Viewer } from '@/jobs/viewer';
import { encodeJobEvents } from './sse';

/** The channel the `jobs_publish_event` trigger notifies. */
export const JOB_EVENTS_CHANNEL = 'job_events';
/** The LISTEN connection's application_name, to find it in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'jobs-console-events';

export interface HubSubscriber {
  viewer: Viewer;
  /**
   * Events the viewer may see, in the order they were committed, and the same as SSE bytes (shared
   * by every subscriber that sees the whole batch); never called with an empty list.
   */
  onEvents(events: JobEvent[], bytes: Uint8Array): void;
  /** The hub lost its database connection: whatever the subscriber has may be stale. */
  onClose(): void;
}

export interface HubOptions {
  /** A change that only moves progress (or the message) waits this long after the job's last event. */
  coalesceMs?: number;
  /** How often the idle LISTEN connection is checked. */
  healthCheckMs?: number;
}

type HubState = 'idle' | 'connecting' | 'listening' | 'stopped';

/** Streams served per turn of the event loop when an event fans out. */
const FANOUT_SLICE = 100;

interface JobThrottle {
  status: JobEvent['status'];
  sentAt: number;
  pending?: JobEvent;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Fans the database's job events out to this web process's open streams over one LISTEN
 * connection, however many clients there are. Events are delivered in batches (everything that
 * arrived in one turn of the event loop), filtered per subscriber by the same rule as the pages.
 * A job's progress-only changes are coalesced: at most one per `coalesceMs` per job reaches the
 * clients, always the newest. If the connection drops, every subscriber is closed (clients
 * reconnect and catch up from their last event id) and the hub reconnects with a backoff.
 */
export class EventHub {
  private readonly sql: Sql;
  private readonly subscribers = new Set<HubSubscriber>();
  private readonly throttles = new Map<number, JobThrottle>();
  private readonly coalesceMs: number;
  private batch: JobEvent[] = [];
  private flushScheduled = false;
  private state: HubState = 'idle';
  private connecting: Promise<void> | null = null;
  private readyWaiters = new Set<() => void>();
  private healthTimer: ReturnType<typeof setInterval> | null = null;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  /** The newest event id seen. */
  lastEventId = 0;
  /** Notifications that could not be parsed (a trigger and a web process out of step). */
  rejected = 0;

  constructor(url: string, options: HubOptions = {}) {
    this.coalesceMs = options.coalesceMs ?? 250;
    // `onnotify` works without `sql.listen` (which gives up re-listening if the database is down
    // when it retries), so we run LISTEN ourselves; postgres.js's types do not declare it.
    const clientOptions = {
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      connect_timeout: 10,
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: LISTENER_APPLICATION_NAME },
      onnotify: (channel: string, payload: string) => {
        if (channel === JOB_EVENTS_CHANNEL) this.receive(payload);
      },
      onclose: () => this.connectionLost(),
    };
    this.sql = postgres(url, clientOptions);
    const healthCheckMs = options.healthCheckMs ?? 30_000;
    this.healthTimer = setInterval(() => {
      // A query on the idle connection finds a dead peer that TCP has not noticed yet.
      if (this.state === 'listening') this.sql`select 1`.catch(() => this.connectionLost());
    }, healthCheckMs);
    this.healthTimer.unref();
    this.sweepTimer = setInterval(() => this.sweep(), 10_000);
    this.sweepTimer.unref();
  }

  get listening(): boolean {
    return this.state === 'listening';
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Starts listening (once); resolves when LISTEN is in place or `timeoutMs` passes. */
  async ready(timeoutMs = 10_000): Promise<boolean> {
    if (this.state === 'listening') return true;
    if (this.state === 'stopped') return false;
    this.connect();
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.readyWaiters.delete(onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.readyWaiters.add(onReady);
    });
  }

  /** Adds a subscriber; returns the function that removes it. */
  subscribe(subscriber: HubSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const throttle of this.throttles.values()) clearTimeout(throttle.timer);
    this.throttles.clear();
    this.closeSubscribers();
    await this.sql.end({ timeout: 2 });
  }

  private connect(): void {
    if (this.connecting || this.state === 'listening' || this.state === 'stopped') return;
    this.state = 'connecting';
    this.connecting = (async () => {
      let delay = 100;
      while (this.state === 'connecting') {
        try {
          await this.sql.unsafe(`listen ${JOB_EVENTS_CHANNEL}`);
          if (this.state !== 'connecting') break;
          this.state = 'listening';
          for (const waiter of [...this.readyWaiters]) waiter();
        } catch {
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(delay * 2, 2000);
        }
      }
      this.connecting = null;
    })();
  }

  private connectionLost(): void {
    if (this.state !== 'listening') return;
    this.state = 'idle';
    // Whatever was held back belongs to a stream that is about to be cut: clients catch up by id.
    for (const throttle of this.throttles.values()) clearTimeout(throttle.timer);
    this.throttles.clear();
    this.batch = [];
    this.closeSubscribers();
    this.connect();
  }

  private closeSubscribers(): void {
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    for (const subscriber of subscribers) subscriber.onClose();
  }

  private receive(payload: string): void {
    let parsed: JobEvent;
    try {
      const result = jobEventSchema.safeParse(JSON.parse(payload));
      if (!result.success) throw result.error;
      parsed = result.data;
    } catch {
      this.rejected++;
      return;
    }
    this.lastEventId = Math.max(this.lastEventId, parsed.e);
    const now = Date.now();
    const throttle = this.throttles.get(parsed.id);
    if (throttle && throttle.status === parsed.status && !parsed.created && now - throttle.sentAt < this.coalesceMs) {
      // Same status, too soon after the last one: hold it back, replacing anything held before.
      throttle.pending = parsed;
      throttle.timer ??= setTimeout(() => this.release(parsed.id), this.coalesceMs - (now - throttle.sentAt));
      return;
    }
    if (throttle) clearTimeout(throttle.timer);
    this.throttles.set(parsed.id, { status: parsed.status, sentAt: now });
    this.enqueue(parsed);
  }

  private release(jobId: number): void {
    const throttle = this.throttles.get(jobId);
    if (!throttle) return;
    throttle.timer = undefined;
    if (!throttle.pending) return;
    this.enqueue(throttle.pending);
    throttle.sentAt = Date.now();
    throttle.status = throttle.pending.status;
    throttle.pending = undefined;
  }

  private enqueue(event: JobEvent): void {
    this.batch.push(event);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Hands the batch to every subscriber, FANOUT_SLICE at a time with a turn of the event loop in
   * between, so that the first streams' bytes reach their sockets while the rest wait, rather than
   * all of them after the whole loop. Batches keep their order for each subscriber: slices run
   * first in, first out. The batch is formatted once for everyone who sees all of it.
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return;
    const targets = [...this.subscribers];
    let whole: Uint8Array | null = null;
    const deliver = (from: number) => {
      const end = Math.min(from + FANOUT_SLICE, targets.length);
      for (let index = from; index < end; index++) {
        const subscriber = targets[index]!;
        if (!this.subscribers.has(subscriber)) continue;
        const { viewer } = subscriber;
        let events = batch;
        let bytes: Uint8Array;
        if (seesAllJobs(viewer)) {
          bytes = whole ??= encodeJobEvents(batch);
        } else {
          events = batch.filter((event) => canSeeJob(viewer, event));
          if (events.length === 0) continue;
          bytes = encodeJobEvents(events);
        }
        try {
          subscriber.onEvents(events, bytes);
        } catch {
          this.subscribers.delete(subscriber);
        }
      }
      if (end < targets.length) setImmediate(() => deliver(end));
    };
    deliver(0);
  }

  /** Forgets throttles that have nothing held back and are past their window. */
  private sweep(): void {
    const cutoff = Date.now() - this.coalesceMs;
    for (const [jobId, throttle] of this.throttles) {
      if (!throttle.timer && throttle.sentAt < cutoff) this.throttles.delete(jobId);
    }
  }
}

// One hub per web process, created on first use and kept on globalThis to survive dev reloads.
const holder = globalThis as unknown as { __jobsConsoleHub?: EventHub };

export function getEventHub(url: string): EventHub {
  holder.__jobsConsoleHub ??= new EventHub(url);
  return holder.__jobsConsoleHub;
}
