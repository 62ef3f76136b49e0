'use client';

import { useRouter } from 'next/navigation';
import { createContext, useContext, useEffect } from 'react';
import { appearanceCookie, parseTimeZone, TIME_ZONE_COOKIE } from '@/lib/appearance';
import { formatExactDateTime, formatLocalDateTime } from '@/lib/format';

const TimeZoneContext = createContext('UTC');

/** The viewer's time zone, as the server read it from the cookie, for every `LocalTime` below. */
export function TimeZoneProvider({ timeZone, children }: { timeZone: string; children: React.ReactNode }) {
  return (
    <TimeZoneContext.Provider value={timeZone}>
      {children}
      <RememberTimeZone known={timeZone} />
    </TimeZoneContext.Provider>
  );
}

/** The zone pages show times in: the browser's, once it has said so in the cookie; UTC until then. */
export function useTimeZone(): string {
  return useContext(TimeZoneContext);
}

/**
 * Tells the server this browser's time zone (a cookie it reads on every page), and re-renders the
 * page when that differs from what the server assumed: once per browser, or after it moved.
 */
function RememberTimeZone({ known }: { known: string }) {
  const router = useRouter();
  useEffect(() => {
    const zone = parseTimeZone(Intl.DateTimeFormat().resolvedOptions().timeZone);
    // Already said (the server may know fewer zones than this browser): saying it again would loop.
    const said = document.cookie.split('; ').includes(`${TIME_ZONE_COOKIE}=${zone}`);
    if (zone === known || said) return;
    document.cookie = appearanceCookie(TIME_ZONE_COOKIE, zone);
    router.refresh();
  }, [known, router]);
  return null;
}

/**
 * A moment in the viewer's time zone, "2026-11-21 23:03:05", in a `<time>` whose hover title is
 * the exact time with its zone and offset. Empty (or `fallback`) without a date.
 */
export function LocalTime({ date, fallback = null, className }: { date: Date | string | null | undefined; fallback?: React.ReactNode; className?: string }) {
  const timeZone = useTimeZone();
  if (date === null || date === undefined) return fallback;
  const at = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(at.getTime())) return fallback;
  return (
    <time dateTime={at.toISOString()} title={formatExactDateTime(at, timeZone)} className={className}>
      {formatLocalDateTime(at, timeZone)}
    </time>
  );
}
