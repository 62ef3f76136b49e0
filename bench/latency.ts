import os from 'node:os';
import { sql } from 'drizzle-orm';
import { makeWorkerUtils } from 'graphile-worker';
import { launchJob } from '@/jobs/launch';
import { quietLogger } from '@/jobs/worker/logger';
import { createAccount } from '@/lib/accounts';
import { intArgument } from './arguments';
import { withBenchDatabase } from './database';
import { sleep } from './processes';
import { run as runSse, type SseSummary } from './sse';
import { median, percentile, printTable } from './stats';
import { RAW_TASK, startWorkerProcess, stopWorkerProcess, wallMs, type RawStart } from './workers';

/**
 * Latency, in two parts.
 *
 * 1. Enqueue to start: from just before the enqueue call to the moment the task starts, one job at a
 *    time with an idle worker waiting. Ours: launchJob of a ping whose message is written to its log
 *    as the first thing it does (the log line's time, from the database's clock); raw: addJob of a
 *    task that, as the first thing it does, tells the bench the time. Same machine, same clock, the
 *    same worker settings; rounds alternate between the two.
 * 2. Status to browser: the sse benchmark with one client (the full one runs 1, 100 and 1,000).
 *
 * Targets: enqueue→start p95 within 2× of raw; status→browser p95 under 100 ms.
 *
 * `npm run bench -- latency [--samples N]` (samples per side and round)
 */

const ROUNDS = 3;
const DEFAULT_SAMPLES = 100;
/** Between two enqueues: far longer than a start takes, so that each job finds an idle worker. */
const SPACING_MS = 25;
const CONCURRENCY = 10;
const TARGET_RATIO = 2;
const TARGET_BROWSER_P95_MS = 100;

export async function run(): Promise<void> {
  const samples = intArgument('samples', DEFAULT_SAMPLES, 10, 10_000);
  const log = (message: string) => console.log(`[bench] ${message}`);
  const latencies = { ours: [] as number[], raw: [] as number[] };
  /** Of which the enqueue call itself (until it returned, committed). */
  const enqueueCalls = { ours: [] as number[], raw: [] as number[] };

  let sse: SseSummary | undefined;
  await withBenchDatabase(log, async ({ url, handle }) => {
    const admin = await createAccount(handle.db, { email: 'latency@example.test', role: 'admin', password: 'latency benchmark password' });
    const viewer = { kind: 'person' as const, ...admin };
    const utils = await makeWorkerUtils({ connectionString: url, logger: quietLogger });
    const rawStarts = new Map<string, number>();

    const ours = async (round: string, record: boolean) => {
      const worker = await startWorkerProcess('ours', url, CONCURRENCY);
      try {
        await sleep(500);
        const sent = new Map<string, number>();
        for (let i = 0; i < samples; i++) {
          const key = `latency ${round} ${i}`;
          const before = wallMs();
          sent.set(key, before);
          await launchJob(viewer, 'ping', { message: key }, { origin: 'web' });
          if (record) enqueueCalls.ours.push(wallMs() - before);
          await sleep(SPACING_MS);
        }
        await sleep(500);
        const rows = await handle.db.execute<{ message: string; at: number }>(sql`
          select message, extract(epoch from at)::float8 * 1000 as at from job_logs
          where message like ${`latency ${round} %`}`);
        if (rows.length !== samples) throw new Error(`${samples - rows.length} of our jobs did not start.`);
        if (record) for (const row of rows) latencies.ours.push(Number(row.at) - sent.get(row.message)!);
      } finally {
        await stopWorkerProcess(worker);
      }
    };
    const raw = async (round: string, record: boolean) => {
      const worker = await startWorkerProcess('raw', url, CONCURRENCY, (start: RawStart) => rawStarts.set(start.key, start.at));
      try {
        await sleep(500);
        const sent = new Map<string, number>();
        for (let i = 0; i < samples; i++) {
          const key = `latency ${round} ${i}`;
          const before = wallMs();
          sent.set(key, before);
          await utils.addJob(RAW_TASK, { key });
          if (record) enqueueCalls.raw.push(wallMs() - before);
          await sleep(SPACING_MS);
        }
        await sleep(500);
        const missing = [...sent.keys()].filter((key) => !rawStarts.has(key));
        if (missing.length > 0) throw new Error(`${missing.length} raw jobs did not start.`);
        if (record) for (const [key, at] of sent) latencies.raw.push(rawStarts.get(key)! - at);
      } finally {
        await stopWorkerProcess(worker);
      }
    };

    try {
      log('warming up');
      await ours('warm-up ours', false);
      await raw('warm-up raw', false);
      for (let index = 0; index < ROUNDS; index++) {
        const order = index % 2 === 0 ? ([ours, raw] as const) : ([raw, ours] as const);
        for (const side of order) {
          log(`round ${index + 1} of ${ROUNDS}: ${side === ours ? 'ours' : 'raw'}`);
          await side(`round ${index} ${side === ours ? 'ours' : 'raw'}`, true);
        }
      }
    } finally {
      await utils.release();
    }
    // While this run holds the embedded server, so that the sse benchmark finds it running.
    log('status to browser: the sse benchmark with one client');
    sse = await runSse([1]);
  });
  const browser = sse!.clients['1']!;

  const ms = (value: number) => value.toFixed(1);
  const ratioP95 = percentile(latencies.ours, 0.95) / percentile(latencies.raw, 0.95);
  console.log(
    `\nlatency: enqueue to start, ${ROUNDS} rounds of ${samples} jobs per side, one at a time ${SPACING_MS} ms apart, ` +
      `one worker process at concurrency ${CONCURRENCY}; ${os.cpus().length} cores, embedded PostgreSQL\n`,
  );
  printTable(
    ['path', 'samples', 'p50 ms', 'p95 ms', 'max ms', 'of which the enqueue call, p50 / p95 ms'],
    (['ours', 'raw'] as const).map((side) => {
      const list = latencies[side];
      const calls = enqueueCalls[side];
      return [
        side === 'ours' ? 'enqueue → start, ours (launchJob, task wrapper)' : 'enqueue → start, raw graphile-worker (addJob)',
        String(list.length),
        ms(median(list)),
        ms(percentile(list, 0.95)),
        ms(Math.max(...list)),
        `${ms(median(calls))} / ${ms(percentile(calls, 0.95))}`,
      ];
    }),
  );
  console.log(`\nenqueue → start p95, ours / raw: ${ratioP95.toFixed(2)}; target within ${TARGET_RATIO}×: ${ratioP95 <= TARGET_RATIO ? 'met' : 'NOT met'}`);
  console.log(
    `status → browser (one SSE client): p50 ${ms(browser.p50_ms)} ms, p95 ${ms(browser.p95_ms)} ms; target p95 under ${TARGET_BROWSER_P95_MS} ms: ` +
      `${browser.p95_ms < TARGET_BROWSER_P95_MS ? 'met' : 'NOT met'}`,
  );
  const round1 = (value: number) => Number(value.toFixed(1));
  console.log(
    JSON.stringify({
      bench: 'latency',
      ours_start_p50_ms: round1(median(latencies.ours)),
      ours_start_p95_ms: round1(percentile(latencies.ours, 0.95)),
      raw_start_p50_ms: round1(median(latencies.raw)),
      raw_start_p95_ms: round1(percentile(latencies.raw, 0.95)),
      ours_enqueue_call_p50_ms: round1(median(enqueueCalls.ours)),
      raw_enqueue_call_p50_ms: round1(median(enqueueCalls.raw)),
      ratio_p95: Number(ratioP95.toFixed(2)),
      browser_p50_ms: browser.p50_ms,
      browser_p95_ms: browser.p95_ms,
      samples_per_side: latencies.ours.length,
    }),
  );
}
