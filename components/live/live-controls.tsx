'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useLiveStatus } from './live-provider';
import { AUTO_REFRESH_KEY, LIVE_UPDATES_KEY, useStoredFlag } from './stored-flag';

const REFRESH_MS = 5000;

const indicator = {
  connecting: { text: 'Connecting…', dot: 'bg-slate-400' },
  live: { text: 'Live', dot: 'bg-green-600' },
  reconnecting: { text: 'Reconnecting…', dot: 'bg-amber-500' },
  off: { text: 'Live updates off', dot: 'bg-slate-300 dark:bg-slate-600' },
} as const;

/**
 * The page's update controls: whether the event stream is live, a "Live updates" switch, and
 * AtoM's "Auto refresh" (every 5 s). Nothing polls while the stream is live; when it is down, or
 * turned off, auto refresh takes over (always while live updates are on but reconnecting).
 */
export function LiveControls() {
  const status = useLiveStatus();
  const [liveEnabled, setLiveEnabled] = useStoredFlag(LIVE_UPDATES_KEY, true);
  const [autoRefresh, setAutoRefresh] = useStoredFlag(AUTO_REFRESH_KEY, false);
  const router = useRouter();
  const polling = status !== 'live' && (autoRefresh || status === 'reconnecting');

  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => router.refresh(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [polling, router]);

  const { text, dot } = indicator[status];
  return (
    <div className="js-only flex flex-wrap items-center gap-2 text-sm">
      <span role="status" data-testid="live-status" data-state={status} className="inline-flex items-center gap-1.5 text-slate-700 dark:text-slate-300">
        <span aria-hidden="true" className={`inline-block h-2 w-2 rounded-full ${dot}`} />
        {text}
        {polling ? <span className="text-slate-500 dark:text-slate-400">(refreshing every 5 s)</span> : null}
      </span>
      <label className="inline-flex cursor-pointer items-center gap-2 rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5">
        <input type="checkbox" checked={liveEnabled} onChange={(event) => setLiveEnabled(event.target.checked)} />
        Live updates
      </label>
      <label className="inline-flex cursor-pointer items-center gap-2 rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5">
        <input type="checkbox" checked={autoRefresh} onChange={(event) => setAutoRefresh(event.target.checked)} />
        Auto refresh
      </label>
    </div>
  );
}

/**
 * Without JavaScript there is no stream and no timer: the controls are hidden and the page says
 * how to see changes (the server-rendered page itself works as it is).
 */
export function NoScriptNotice() {
  return (
    <noscript>
      <style>{'.js-only{display:none}'}</style>
      <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="noscript-notice">
        Live updates need JavaScript: use Refresh (or reload the page) to see changes.
      </p>
    </noscript>
  );
}
