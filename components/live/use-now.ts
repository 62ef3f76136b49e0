'use client';

import { useEffect, useState } from 'react';

/**
 * The current time, ticking every `intervalMs` while `active`; null until mounted, so that a
 * server-rendered value stays in place through hydration.
 */
export function useNow(active: boolean, intervalMs = 1000): Date | null {
  const [now, setNow] = useState<Date | null>(null);
  useEffect(() => {
    if (!active) return;
    const tick = () => setNow(new Date());
    const first = window.setTimeout(tick, 0);
    const timer = window.setInterval(tick, intervalMs);
    return () => {
      window.clearTimeout(first);
      window.clearInterval(timer);
    };
  }, [active, intervalMs]);
  return active ? now : null;
}
