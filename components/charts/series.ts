import type { ThroughputBucket, ThroughputPoint } from './types';

/** The width of each bucket in milliseconds. */
export const BUCKET_MS: Record<ThroughputBucket, number> = { minute: 60_000, hour: 3_600_000 };

/** At most this many buckets are drawn; a longer span keeps its most recent ones. */
export const MAX_BUCKETS = 1_000;

/**
 * Every bucket from the first point's to the last point's, a bucket without a point counting zero
 * jobs, oldest first. Times are floored to the bucket's UTC boundary and points falling into the
 * same bucket are added up; points whose time does not parse are left out.
 */
export function fillThroughputGaps(points: readonly ThroughputPoint[], bucket: ThroughputBucket): ThroughputPoint[] {
  const step = BUCKET_MS[bucket];
  const byStart = new Map<number, { completed: number; failed: number }>();
  let first = Infinity;
  let last = -Infinity;
  for (const point of points) {
    const time = Date.parse(point.at);
    if (!Number.isFinite(time)) continue;
    const start = Math.floor(time / step) * step;
    const sum = byStart.get(start);
    if (sum) {
      sum.completed += point.completed;
      sum.failed += point.failed;
    } else {
      byStart.set(start, { completed: point.completed, failed: point.failed });
    }
    first = Math.min(first, start);
    last = Math.max(last, start);
  }
  if (byStart.size === 0) return [];
  first = Math.max(first, last - (MAX_BUCKETS - 1) * step);
  const filled: ThroughputPoint[] = [];
  for (let start = first; start <= last; start += step) {
    const sum = byStart.get(start);
    filled.push({ at: new Date(start).toISOString(), completed: sum?.completed ?? 0, failed: sum?.failed ?? 0 });
  }
  return filled;
}

/** Spacings between labelled buckets, in buckets; each divides a day, so labels land on round times. */
const TICK_SPACINGS: Record<ThroughputBucket, number[]> = {
  minute: [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440],
  hour: [1, 2, 3, 6, 12, 24],
};

/**
 * The buckets a time axis labels: those on round UTC times (every 10 minutes, every 6 hours, each
 * midnight…), with the smallest spacing that gives at most `maxTicks` labels. Hours are labelled
 * once a day at most; a span too long even for that labels every second, third… midnight.
 */
export function timeTicks(points: readonly ThroughputPoint[], bucket: ThroughputBucket, maxTicks: number): string[] {
  const spacings = TICK_SPACINGS[bucket];
  const limit = Math.max(1, maxTicks);
  const spacing = spacings.find((candidate) => Math.ceil(points.length / candidate) <= limit) ?? Math.max(...spacings);
  const spacingMs = spacing * BUCKET_MS[bucket];
  const ticks = points.filter((point) => Date.parse(point.at) % spacingMs === 0).map((point) => point.at);
  const every = Math.ceil(ticks.length / limit);
  return every > 1 ? ticks.filter((_, index) => index % every === 0) : ticks;
}

/** Whole-number ticks 0, step, 2·step… (step 1, 2 or 5 × 10ⁿ) covering `max` in at most `maxIntervals` steps. */
export function countTicks(max: number, maxIntervals: number): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const intervals = Math.max(1, maxIntervals);
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const multiple of [1, 2, 5]) {
      const step = multiple * magnitude;
      const needed = Math.ceil(max / step);
      if (needed <= intervals) return Array.from({ length: needed + 1 }, (_, index) => index * step);
    }
  }
}

/** Duration steps that read well once formatted: "500 ms", "15 s", "5 min", "6 h". */
const DURATION_STEPS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/**
 * Duration ticks from 0 on a round step, none beyond `maxMs`, at most `maxIntervals` steps apart:
 * the axis then ends at the longest bar instead of leaving room up to the next round value.
 */
export function durationTicks(maxMs: number, maxIntervals: number): number[] {
  if (!Number.isFinite(maxMs) || maxMs <= 0) return [0];
  const intervals = Math.max(1, maxIntervals);
  const step =
    DURATION_STEPS_MS.find((candidate) => Math.floor(maxMs / candidate) <= intervals) ??
    Math.ceil(maxMs / intervals / 86_400_000) * 86_400_000;
  return Array.from({ length: Math.floor(maxMs / step) + 1 }, (_, index) => index * step);
}
