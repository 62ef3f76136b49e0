'use client';

import { useCallback, useSyncExternalStore } from 'react';

function subscribe(onChange: () => void) {
  window.addEventListener('storage', onChange);
  return () => window.removeEventListener('storage', onChange);
}

/**
 * An on/off choice remembered in this browser (localStorage), shared by every component that reads
 * it, and by other tabs. On the server and before hydration it is `fallback`.
 */
export function useStoredFlag(key: string, fallback: boolean): [boolean, (on: boolean) => void] {
  const value = useSyncExternalStore(
    subscribe,
    () => {
      const stored = window.localStorage.getItem(key);
      return stored === null ? fallback : stored === 'on';
    },
    () => fallback,
  );
  const set = useCallback(
    (on: boolean) => {
      window.localStorage.setItem(key, on ? 'on' : 'off');
      window.dispatchEvent(new StorageEvent('storage', { key }));
    },
    [key],
  );
  return [value, set];
}

export const LIVE_UPDATES_KEY = 'jobs-console:live';
export const AUTO_REFRESH_KEY = 'jobs-console:auto-refresh';
