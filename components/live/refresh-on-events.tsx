'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { activeJobStatuses } from '@/db/enums';
import type { JobEvent } from '@/jobs/events';
import { useJobEvents } from './live-provider';

/**
 * Re-renders the page on the server (router.refresh keeps scroll position and client state) when
 * an event matches, at most once per `minIntervalMs`: a burst of events costs one refresh.
 */
function useThrottledRefresh(minIntervalMs: number): () => void {
  const router = useRouter();
  const state = useRef<{ last: number; timer?: number }>({ last: 0 });
  useEffect(() => () => window.clearTimeout(state.current.timer), []);
  return () => {
    const current = state.current;
    if (current.timer !== undefined) return;
    const wait = Math.max(0, current.last + minIntervalMs - Date.now());
    current.timer = window.setTimeout(() => {
      current.timer = undefined;
      current.last = Date.now();
      router.refresh();
    }, wait);
  };
}

const belongsOnTab = {
  all: () => true,
  active: (event: JobEvent) => (activeJobStatuses as readonly string[]).includes(event.status),
  failed: (event: JobEvent) => event.status === 'failed',
} as const;

/**
 * The jobs page's first page gains new rows live: an event for a job it does not show yet, which
 * belongs on the current tab, refreshes the page. Rows already shown update in place (JobRow);
 * later pages stay as they are, so nothing moves under the reader.
 */
export function JobsPageLive(props: { tab: keyof typeof belongsOnTab; firstPage: boolean; shownIds: number[]; showsCleared: boolean; renderedAt: number }) {
  const { tab, firstPage, shownIds, showsCleared, renderedAt } = props;
  const refresh = useThrottledRefresh(1000);
  const shown = new Set(shownIds);
  useJobEvents((events) => {
    if (!firstPage) return;
    if (events.some((event) => !shown.has(event.id) && (showsCleared || !event.cleared) && belongsOnTab[tab](event))) refresh();
  }, renderedAt);
  return null;
}

/**
 * The details page: the header updates in place from events; the rest (log, files, attempts)
 * comes from a server refresh, at most once a second while the job changes.
 */
export function JobPageLive({ jobId, renderedEventId }: { jobId: number; renderedEventId: number }) {
  const refresh = useThrottledRefresh(1000);
  useJobEvents((events) => {
    if (events.some((event) => event.id === jobId)) refresh();
  }, renderedEventId);
  return null;
}

/**
 * Pages of aggregates (the dashboard): any job event refreshes them, at most once per
 * `minIntervalMs`; and every `everyMs` regardless, for what events do not carry (heartbeats).
 */
export function RefreshOnAnyEvent({ renderedAt, minIntervalMs = 2000, everyMs = 15_000 }: { renderedAt: number; minIntervalMs?: number; everyMs?: number }) {
  const refresh = useThrottledRefresh(minIntervalMs);
  const router = useRouter();
  useJobEvents((events) => {
    if (events.length > 0) refresh();
  }, renderedAt);
  useEffect(() => {
    const timer = window.setInterval(() => router.refresh(), everyMs);
    return () => window.clearInterval(timer);
  }, [router, everyMs]);
  return null;
}
