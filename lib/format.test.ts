import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDuration, jobDuration } from './format';

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
