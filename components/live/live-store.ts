import type { JobEvent } from '@/jobs/events';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

type Listener = () => void;

/**
 * What the browser knows from the event stream: the newest event per job, and the stream's state.
 * Components subscribe to one job (useSyncExternalStore), to the status, or to every event.
 */
export class LiveStore {
  private readonly jobs = new Map<number, JobEvent>();
  private readonly jobListeners = new Map<number, Set<Listener>>();
  private readonly statusListeners = new Set<Listener>();
  private readonly eventListeners = new Set<(events: JobEvent[]) => void>();
  status: LiveStatus = 'connecting';
  /** The newest event id received, to resume from. */
  lastEventId: number | null = null;

  job(id: number): JobEvent | undefined {
    return this.jobs.get(id);
  }

  /** The known jobs' states newer than event `since`. */
  since(since: number): JobEvent[] {
    return [...this.jobs.values()].filter((event) => event.e > since);
  }

  /** Keeps each job's newest state; an event older than what is known is dropped. */
  apply(events: JobEvent[]): void {
    const fresh: JobEvent[] = [];
    for (const event of events) {
      this.lastEventId = Math.max(this.lastEventId ?? 0, event.e);
      const known = this.jobs.get(event.id);
      if (known && known.e >= event.e) continue;
      this.jobs.set(event.id, event);
      fresh.push(event);
    }
    for (const event of fresh) this.jobListeners.get(event.id)?.forEach((listener) => listener());
    if (fresh.length > 0) this.eventListeners.forEach((listener) => listener(fresh));
  }

  setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.statusListeners.forEach((listener) => listener());
  }

  subscribeJob(id: number, listener: Listener): () => void {
    let listeners = this.jobListeners.get(id);
    if (!listeners) this.jobListeners.set(id, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.jobListeners.delete(id);
    };
  }

  subscribeStatus(listener: Listener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  subscribeEvents(listener: (events: JobEvent[]) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }
}
