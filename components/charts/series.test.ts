import { describe, expect, it } from 'vitest';
import { countTicks, durationTicks, fillThroughputGaps, MAX_BUCKETS, timeTicks } from './series';
import type { ThroughputPoint } from './types';

const minute = (m: number) => new Date(Date.UTC(2026, 9, 19, 14, m)).toISOString();
const hour = (h: number) => new Date(Date.UTC(2026, 9, 19, h)).toISOString();

describe('fillThroughputGaps', () => {
  it('fills missing buckets between the first and the last with zeros', () => {
    const points: ThroughputPoint[] = [
      { at: minute(1), completed: 3, failed: 1 },
      { at: minute(4), completed: 2, failed: 0 },
      { at: minute(5), completed: 0, failed: 7 },
    ];
    expect(fillThroughputGaps(points, 'minute')).toEqual([
      { at: minute(1), completed: 3, failed: 1 },
      { at: minute(2), completed: 0, failed: 0 },
      { at: minute(3), completed: 0, failed: 0 },
      { at: minute(4), completed: 2, failed: 0 },
      { at: minute(5), completed: 0, failed: 7 },
    ]);
  });

  it('steps by hours, across midnight', () => {
    const points = [
      { at: hour(22), completed: 1, failed: 0 },
      { at: hour(25), completed: 0, failed: 2 },
    ];
    expect(fillThroughputGaps(points, 'hour').map((point) => point.at)).toEqual([hour(22), hour(23), hour(24), hour(25)]);
  });

  it('returns nothing for no points and one bucket for one point', () => {
    expect(fillThroughputGaps([], 'minute')).toEqual([]);
    expect(fillThroughputGaps([{ at: minute(7), completed: 1, failed: 0 }], 'minute')).toEqual([
      { at: minute(7), completed: 1, failed: 0 },
    ]);
  });

  it('floors times to the bucket, adds up points in one bucket and normalises the time format', () => {
    const points = [
      { at: '2026-10-19T14:01:00Z', completed: 1, failed: 0 },
      { at: '2026-10-19T16:01:30+02:00', completed: 2, failed: 1 },
      { at: '2026-10-19T14:02:59.999Z', completed: 0, failed: 4 },
    ];
    expect(fillThroughputGaps(points, 'minute')).toEqual([
      { at: minute(1), completed: 3, failed: 1 },
      { at: minute(2), completed: 0, failed: 4 },
    ]);
  });

  it('leaves out points whose time does not parse', () => {
    const points = [
      { at: 'not a time', completed: 9, failed: 9 },
      { at: minute(3), completed: 1, failed: 0 },
    ];
    expect(fillThroughputGaps(points, 'minute')).toEqual([{ at: minute(3), completed: 1, failed: 0 }]);
  });

  it('keeps the most recent MAX_BUCKETS buckets of a longer span', () => {
    const last = Date.UTC(2026, 9, 19);
    const points = [
      { at: new Date(last - 5 * MAX_BUCKETS * 60_000).toISOString(), completed: 1, failed: 0 },
      { at: new Date(last).toISOString(), completed: 2, failed: 0 },
    ];
    const filled = fillThroughputGaps(points, 'minute');
    expect(filled).toHaveLength(MAX_BUCKETS);
    expect(filled.at(-1)).toEqual({ at: new Date(last).toISOString(), completed: 2, failed: 0 });
    expect(filled[0]!.completed).toBe(0);
  });
});

describe('timeTicks', () => {
  const hourOfMinutes = fillThroughputGaps(
    [
      { at: minute(0), completed: 1, failed: 0 },
      { at: minute(59), completed: 1, failed: 0 },
    ],
    'minute',
  );

  it('labels round times with the smallest spacing that fits', () => {
    expect(timeTicks(hourOfMinutes, 'minute', 12).map((at) => at.slice(11, 16))).toEqual([
      '14:00', '14:05', '14:10', '14:15', '14:20', '14:25', '14:30', '14:35', '14:40', '14:45', '14:50', '14:55',
    ]);
    expect(timeTicks(hourOfMinutes, 'minute', 4).map((at) => at.slice(11, 16))).toEqual(['14:00', '14:15', '14:30', '14:45']);
  });

  it('labels each midnight of a week of hours when space is short', () => {
    const week = fillThroughputGaps(
      [
        { at: hour(5), completed: 1, failed: 0 },
        { at: hour(5 + 167), completed: 1, failed: 0 },
      ],
      'hour',
    );
    const ticks = timeTicks(week, 'hour', 8);
    expect(ticks).toHaveLength(7);
    expect(ticks.every((at) => at.endsWith('T00:00:00.000Z'))).toBe(true);
    expect(timeTicks(week, 'hour', 3)).toEqual([ticks[0], ticks[3], ticks[6]]);
  });
});

describe('countTicks', () => {
  it('uses whole steps of 1, 2 or 5 × 10ⁿ from zero', () => {
    expect(countTicks(1, 4)).toEqual([0, 1]);
    expect(countTicks(3, 4)).toEqual([0, 1, 2, 3]);
    expect(countTicks(7, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(countTicks(1_234, 4)).toEqual([0, 500, 1_000, 1_500]);
    expect(countTicks(0, 4)).toEqual([0, 1]);
  });
});

describe('durationTicks', () => {
  it('steps on durations that read well', () => {
    expect(durationTicks(850, 4)).toEqual([0, 200, 400, 600, 800]);
    expect(durationTicks(185_000, 4)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(durationTicks(420_000, 3)).toEqual([0, 120_000, 240_000, 360_000]);
    expect(durationTicks(3 * 86_400_000, 2)).toEqual([0, 2 * 86_400_000]);
  });

  it('stops at the longest duration, and gives only 0 when there is none', () => {
    expect(durationTicks(7_000, 10).at(-1)).toBe(7_000);
    expect(durationTicks(0, 4)).toEqual([0]);
  });
});
