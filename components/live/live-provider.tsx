'use client';

import { useRouter } from 'next/navigation';
import { createContext, use, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { JobEvent } from '@/jobs/events';
import { LiveStore, type LiveStatus } from './live-store';
import { LIVE_UPDATES_KEY, useStoredFlag } from './stored-flag';

const LiveContext = createContext<LiveStore | null>(null);

/** After the browser gives up on a stream (an error status), wait this long, doubling up to a minute. */
const FIRST_RETRY_MS = 2000;
const MAX_RETRY_MS = 60_000;

/**
 * Holds the page's one connection to the event stream while live updates are on, and the store
 * of what it brought. `since` is the event id the page was rendered at: the first connection
 * resumes there, so nothing between the render and the connection is missed. The browser's
 * EventSource reconnects by itself with Last-Event-ID; when it gives up (the server answered
 * with an error), we open a new one after a backoff.
 */
export function LiveProvider({ since, children }: { since: number; children: React.ReactNode }) {
  const [store] = useState(() => new LiveStore());
  const [enabled] = useStoredFlag(LIVE_UPDATES_KEY, true);
  const router = useRouter();
  const initialSince = useRef(since);

  useEffect(() => {
    if (!enabled) {
      store.setStatus('off');
      return;
    }
    let source: EventSource | null = null;
    let retryTimer: number | undefined;
    let retryMs = FIRST_RETRY_MS;
    let wasLive = false;
    const open = () => {
      const resumeAt = store.lastEventId ?? initialSince.current;
      source = new EventSource(`/api/jobs/stream?since=${resumeAt}`);
      store.setStatus(wasLive ? 'reconnecting' : 'connecting');
      source.addEventListener('ready', () => {
        wasLive = true;
        retryMs = FIRST_RETRY_MS;
        store.setStatus('live');
      });
      source.addEventListener('job', (message) => {
        store.apply([JSON.parse((message as MessageEvent<string>).data) as JobEvent]);
      });
      source.addEventListener('reload', (message) => {
        store.lastEventId = Math.max(store.lastEventId ?? 0, Number((message as MessageEvent<string>).lastEventId) || 0);
        router.refresh();
      });
      source.addEventListener('error', () => {
        store.setStatus(wasLive ? 'reconnecting' : 'connecting');
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          retryTimer = window.setTimeout(open, retryMs);
          retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
        }
      });
    };
    open();
    return () => {
      source?.close();
      window.clearTimeout(retryTimer);
    };
  }, [enabled, store, router]);

  return <LiveContext value={store}>{children}</LiveContext>;
}

function useStore(): LiveStore {
  const store = use(LiveContext);
  if (!store) throw new Error('Live components must be inside <LiveProvider>.');
  return store;
}

/** The stream's state: connecting, live, reconnecting, or off (turned off by the viewer). */
export function useLiveStatus(): LiveStatus {
  const store = useStore();
  return useSyncExternalStore(
    (listener) => store.subscribeStatus(listener),
    () => store.status,
    () => 'connecting',
  );
}

/**
 * The newest state of job `id` from the stream, if it is newer than `renderedEventId` (what the
 * server rendered); undefined otherwise.
 */
export function useLiveJob(id: number, renderedEventId: number): JobEvent | undefined {
  const store = useStore();
  const event = useSyncExternalStore(
    (listener) => store.subscribeJob(id, listener),
    () => store.job(id),
    () => undefined,
  );
  return event && event.e > renderedEventId ? event : undefined;
}

/**
 * Calls `listener` with every batch of new events (it may change between renders). With
 * `renderedAt`, the event id the server rendered the page at, it is first called with what the
 * stream brought since then: events that arrived while the page was on its way.
 */
export function useJobEvents(listener: (events: JobEvent[]) => void, renderedAt?: number): void {
  const store = useStore();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => {
    if (renderedAt !== undefined) {
      const missed = store.since(renderedAt);
      if (missed.length > 0) latest.current(missed);
    }
    return store.subscribeEvents((events) => latest.current(events));
  }, [store, renderedAt]);
}
