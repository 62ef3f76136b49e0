import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDuration, jobDuration, estimateRemainingMs, formatBytes } from './format';

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
