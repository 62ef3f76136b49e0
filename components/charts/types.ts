/** One bucket of the throughput chart: jobs that ended in [at, at + bucket). `at` is ISO 8601 UTC. */
export interface ThroughputPoint {
  at: string;
  completed: number;
  failed: number;
}

/** Duration percentiles of one task's finished runs, in milliseconds (approximate: bucket upper bounds). */
export interface DurationRow {
  task: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** The width of a throughput bucket. */
export type ThroughputBucket = 'minute' | 'hour';
