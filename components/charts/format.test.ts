import { describe, expect, it } from 'vitest';
import { formatBucketLabel, formatBucketTime, formatCount, formatDuration, formatWeekday } from './format';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [0.4, '< 1 ms'],
    [1, '1 ms'],
    [850, '850 ms'],
    [999.4, '999 ms'],
    [999.6, '1 s'],
    [1_000, '1 s'],
    [2_400, '2.4 s'],
    [2_449, '2.4 s'],
    [9_940, '9.9 s'],
    [9_960, '10 s'],
    [42_000, '42 s'],
    [59_499, '59 s'],
    [59_500, '1 min'],
    [60_000, '1 min'],
    [185_000, '3 min 5 s'],
    [3_599_400, '59 min 59 s'],
    [3_599_600, '1 h'],
    [7_500_000, '2 h 5 min'],
    [86_370_000, '1 d'],
    [273_600_000, '3 d 4 h'],
  ])('%d ms reads "%s"', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('prints a dash for values that are no duration', () => {
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('bucket times', () => {
  // 2026-10-19 is a Monday.
  it('labels minutes as HH:mm and hours with the weekday, in UTC', () => {
    expect(formatBucketLabel('2026-10-19T14:05:00.000Z', 'minute')).toBe('14:05');
    expect(formatBucketLabel('2026-10-19T09:00:00.000Z', 'hour')).toBe('Mon 09:00');
    expect(formatBucketLabel('2026-10-19T23:30:00-02:00', 'hour')).toBe('Tue 01:30');
  });

  it('names the weekday alone for narrow axes', () => {
    expect(formatWeekday('2026-10-20T00:00:00.000Z')).toBe('Tue');
  });

  it('gives the date for tables and tooltips', () => {
    expect(formatBucketTime('2026-10-19T14:05:00.000Z')).toBe('Mon 19 Oct 14:05');
  });

  it('prints nothing for a time that does not parse', () => {
    expect(formatBucketLabel('yesterday', 'minute')).toBe('');
    expect(formatBucketTime('yesterday')).toBe('');
    expect(formatWeekday('yesterday')).toBe('');
  });
});

describe('formatCount', () => {
  it('separates thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(12_345)).toBe('12,345');
  });
});
