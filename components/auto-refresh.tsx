'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useSyncExternalStore } from 'react';

const STORAGE_KEY = 'jobs-console:auto-refresh';
const INTERVAL_MS = 5000;

function subscribe(onChange: () => void) {
  window.addEventListener('storage', onChange);
  return () => window.removeEventListener('storage', onChange);
}

/**
 * AtoM's "Auto refresh": while checked, the page's data is refreshed every 5 seconds (in place, keeping
 * scroll position). The choice is remembered in this browser.
 */
export function AutoRefresh() {
  const router = useRouter();
  const enabled = useSyncExternalStore(
    subscribe,
    () => window.localStorage.getItem(STORAGE_KEY) === 'on',
    () => false,
  );
  useEffect(() => {
    if (!enabled) return;
    const timer = window.setInterval(() => router.refresh(), INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [enabled, router]);
  return (
    <label className="inline-flex cursor-pointer items-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm">
      <input
        type="checkbox"
        checked={enabled}
        onChange={(event) => {
          window.localStorage.setItem(STORAGE_KEY, event.target.checked ? 'on' : 'off');
          window.dispatchEvent(new StorageEvent('storage', { key: STORAGE_KEY }));
        }}
      />
      Auto refresh
    </label>
  );
}
