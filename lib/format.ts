/** "2026-11-21 14:03:05 UTC": exact, sortable and the same on every machine. */
export function formatDateTime(date: Date | null | undefined): string {
  if (!date) return '';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
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
