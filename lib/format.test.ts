import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDuration, jobDuration, estimateRemainingMs, formatBytes, formatLocalDateTime, formatExactDateTime } from './format';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [42_000, '42 s'],
    [60_000, '1 min'],
    [125_000, '2 min 5 s'],
    [3_600_000, '1 h'],
    [11_040_000, '3 h 4 min'],
    [90_000_000, '1 d 1 h'],
  ])('%i ms reads "%s"', (ms, words) => {
    expect(formatDuration(ms)).toBe(words);
  });

  it('is empty for a negative or impossible duration', () => {
    expect(formatDuration(-1)).toBe('');
    expect(formatDuration(Number.NaN)).toBe('');
  });
});

describe('jobDuration', () => {
  const start = new Date('2026-01-01T00:00:00Z');
  it('is empty before the job starts', () => expect(jobDuration(null, null)).toBe(''));
  it('runs to the end time when there is one', () =>
    expect(jobDuration(start, new Date('2026-01-01T00:02:05Z'))).toBe('2 min 5 s'));
  it('runs to now while the job runs', () => expect(jobDuration(start, null, new Date('2026-01-01T00:00:07Z'))).toBe('7 s'));
});

describe('formatDateTime', () => {
  it('prints UTC to the second', () => expect(formatDateTime(new Date('2026-11-21T14:03:05.123Z'))).toBe('2026-11-21 14:03:05 UTC'));
  it('is empty without a date', () => expect(formatDateTime(null)).toBe(''));
});

describe('formatLocalDateTime', () => {
  const at = new Date('2026-11-21T14:03:05.123Z');
  it('prints the wall clock of the zone, to the second, and names the zone', () => {
    expect(formatLocalDateTime(at, 'Asia/Tokyo')).toBe('2026-11-21 23:03:05 GMT+9');
    expect(formatLocalDateTime(at, 'America/New_York')).toBe('2026-11-21 09:03:05 EST');
    expect(formatLocalDateTime(at, 'UTC')).toBe('2026-11-21 14:03:05 UTC');
  });
  it('crosses midnight and prints hour 00, not 24', () =>
    expect(formatLocalDateTime(new Date('2026-11-21T15:00:00Z'), 'Asia/Tokyo')).toBe('2026-11-22 00:00:00 GMT+9'));
  it('follows summer time', () => expect(formatLocalDateTime(new Date('2026-07-01T12:00:00Z'), 'Europe/Paris')).toBe('2026-07-01 14:00:00 GMT+2'));
  it('is empty without a date', () => expect(formatLocalDateTime(null, 'UTC')).toBe(''));
});

describe('formatExactDateTime', () => {
  it('gives the milliseconds, the zone and its offset', () => {
    expect(formatExactDateTime(new Date('2026-11-21T14:03:05.123Z'), 'Asia/Tokyo')).toBe('2026-11-21 23:03:05.123 Asia/Tokyo (UTC+09:00)');
    expect(formatExactDateTime(new Date('2026-11-21T14:03:05.004Z'), 'America/St_Johns')).toBe('2026-11-21 10:33:05.004 America/St_Johns (UTC-03:30)');
    expect(formatExactDateTime(new Date('2026-11-21T14:03:05Z'), 'UTC')).toBe('2026-11-21 14:03:05.000 UTC (UTC+00:00)');
  });
  it('is empty without a date', () => expect(formatExactDateTime(undefined, 'UTC')).toBe(''));
});

describe('estimateRemainingMs', () => {
  const start = new Date('2026-11-21T10:00:00Z');
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);

  it('extrapolates the pace so far', () => {
    expect(estimateRemainingMs(0.25, start, at(10))).toBe(30_000);
    expect(estimateRemainingMs(0.5, start, at(60))).toBe(60_000);
  });

  it('says nothing without enough progress or time, or once done', () => {
    expect(estimateRemainingMs(0.01, start, at(100))).toBeNull();
    expect(estimateRemainingMs(0.5, start, at(1))).toBeNull();
    expect(estimateRemainingMs(1, start, at(100))).toBeNull();
    expect(estimateRemainingMs(0.5, null, at(100))).toBeNull();
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [2560, '2.5 KB'],
    [50 * 1024 * 1024, '50 MB'],
  ])('%d bytes: %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
