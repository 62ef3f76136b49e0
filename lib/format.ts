/** "2026-11-21 14:03:05 UTC": exact, sortable and the same on every machine. */
export function formatDateTime(date: Date | null | undefined): string {
  if (!date) return '';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of `date` in `timeZone`, with the zone's name or offset in `zone`. */
function wallClock(date: Date, timeZone: string, zone: 'short' | 'longOffset'): Record<string, string> {
  const key = `${timeZone} ${zone}`;
  let format = partsFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: zone,
    });
    partsFormats.set(key, format);
  }
  return Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
}

/**
 * "2026-11-21 23:03:05 GMT+9", "2026-11-21 09:03:05 EST", "2026-11-21 14:03:05 UTC": the pages'
 * times, in the viewer's zone (`timeZone`, an IANA name). The CLI and the exports keep
 * `formatDateTime`'s UTC.
 */
export function formatLocalDateTime(date: Date | null | undefined, timeZone: string): string {
  if (!date) return '';
  const at = wallClock(date, timeZone, 'short');
  return `${at.year}-${at.month}-${at.day} ${at.hour}:${at.minute}:${at.second} ${at.timeZoneName}`;
}

/** The exact time for a tooltip: "2026-11-21 23:03:05.123 Asia/Tokyo (UTC+09:00)". */
export function formatExactDateTime(date: Date | null | undefined, timeZone: string): string {
  if (!date) return '';
  const at = wallClock(date, timeZone, 'longOffset');
  const offset = at.timeZoneName === 'GMT' ? '+00:00' : (at.timeZoneName ?? '').replace(/^GMT/, '');
  const millis = String(date.getUTCMilliseconds()).padStart(3, '0');
  return `${at.year}-${at.month}-${at.day} ${at.hour}:${at.minute}:${at.second}.${millis} ${timeZone} (UTC${offset})`;
}

/** A duration in words: "850 ms", "2.4 s", "42 s", "2 min 5 s", "3 h 4 min", "1 d 1 h"; empty when impossible. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms === 0) return '0 ms';
  if (ms < 1) return '< 1 ms';
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 9_950) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return twoUnits(Math.floor(seconds / 60), 'min', seconds % 60, 's');
  const minutes = Math.round(ms / 60_000);
  if (minutes < 24 * 60) return twoUnits(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  const hours = Math.round(ms / 3_600_000);
  return twoUnits(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function twoUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/** How long a job ran: until it ended, or until now while it runs. Empty before it starts. */
export function jobDuration(startedAt: Date | null, finishedAt: Date | null, now: Date = new Date()): string {
  if (!startedAt) return '';
  return formatDuration((finishedAt ?? now).getTime() - startedAt.getTime());
}

/**
 * Time left for a running job, from its pace so far: null until there is enough progress (2 %) and
 * time (2 s) to make the estimate worth showing.
 */
export function estimateRemainingMs(progress: number, startedAt: Date | null, now: Date): number | null {
  if (!startedAt || !(progress >= 0.02) || progress >= 1) return null;
  const elapsed = now.getTime() - startedAt.getTime();
  if (elapsed < 2000) return null;
  return (elapsed * (1 - progress)) / progress;
}

/** A file size in words: "512 B", "2.5 KB", "3.1 MB" (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
