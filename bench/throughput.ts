import os from 'node:os';
import { sql } from 'drizzle-orm';
import { makeWorkerUtils } from 'graphile-worker';
import type { Sql } from 'postgres';
import { launchJobs } from '@/jobs/launch';
import { quietLogger } from '@/jobs/worker/logger';
import { createAccount } from '@/lib/accounts';
import { intArgument } from './arguments';
import { withBenchDatabase } from './database';
import { cpuMs, nowMs, postgresCpuMs, sleep } from './processes';
import { median, medianRange, printTable } from './stats';
import { RAW_TASK, startWorkerProcess, stopWorkerProcess } from './workers';

/**
 * Throughput: JOBS no-op jobs enqueued in one batch and run to completion, through the console's own
 * path (launchJobs: permission, validation, our rows, queue entries and the audit row in one
 * transaction; the task wrapper marking each job running then completed, each change a NOTIFY)
 * next to raw graphile-worker (addJobs of the same number, a task that returns at once), in the
 * same run on a fresh database, rounds alternating. Each side runs one worker process with the same
 * concurrency and the same graphile-worker settings, started before the clock starts; the clock
 * stops when the queue is empty. Also counts what each job costs: the database's transactions, rows
 * written and WAL, and the CPU time of the worker process and of PostgreSQL's processes (the
 * enqueue's share included). Target: ours at least half of raw.
 *
 * `npm run bench -- throughput [--jobs N] [--concurrency N]`
 */

const ROUNDS = 3;
const DEFAULT_JOBS = 20_000;
const DEFAULT_CONCURRENCY = 10;
const TARGET_RATIO = 0.5;
const POLL_MS = 25;

interface Side {
  jobsPerSecond: number[];
  enqueueMs: number[];
  perJob: { transactions: number; rowsWritten: number; walBytes: number; workerCpuUs: number; databaseCpuUs: number }[];
}

/** What the database did meanwhile, cluster-wide (nothing else runs on the bench's database). */
async function databaseCounters(client: Sql, database: string) {
  await client`select pg_stat_force_next_flush()`;
  await sleep(600); // other backends flush their statistics within a second of going idle
  await client`select pg_stat_clear_snapshot()`;
  const [row] = await client<{ xacts: string; written: string; wal: string }[]>`
    select (select xact_commit + xact_rollback from pg_stat_database where datname = ${database})::text as xacts,
           (select sum(n_tup_ins + n_tup_upd + n_tup_del) from pg_stat_all_tables)::text as written,
           pg_current_wal_lsn()::text as wal`;
  return row!;
}

const walDiff = (from: string, to: string) => {
  const bytes = (lsn: string) => {
    const [high, low] = lsn.split('/');
    return BigInt(`0x${high}`) * 2n ** 32n + BigInt(`0x${low}`);
  };
  return Number(bytes(to) - bytes(from));
};

export async function run(): Promise<void> {
  const jobCount = intArgument('jobs', DEFAULT_JOBS, 100, 20_000);
  const concurrency = intArgument('concurrency', DEFAULT_CONCURRENCY, 1, 100);
  const log = (message: string) => console.log(`[bench] ${message}`);
  await withBenchDatabase(log, async ({ url, handle }) => {
    const database = new URL(url).pathname.slice(1);
    const admin = await createAccount(handle.db, { email: 'throughput@example.test', role: 'admin', password: 'throughput benchmark password' });
    const viewer = { kind: 'person' as const, ...admin };
    const utils = await makeWorkerUtils({ connectionString: url, logger: quietLogger });
    const queueEmpty = async () => (await handle.db.execute(sql`select 1 from graphile_worker._private_jobs limit 1`)).length === 0;

    const enqueue = {
      ours: () => launchJobs(viewer, 'ping', Array.from({ length: jobCount }, () => ({})), { origin: 'web' }),
      raw: () => utils.addJobs(Array.from({ length: jobCount }, () => ({ identifier: RAW_TASK, payload: {} }))),
    };
    const sides: Record<'ours' | 'raw', Side> = { ours: { jobsPerSecond: [], enqueueMs: [], perJob: [] }, raw: { jobsPerSecond: [], enqueueMs: [], perJob: [] } };

    const round = async (kind: 'ours' | 'raw', count: number, record: boolean) => {
      const worker = await startWorkerProcess(kind, url, concurrency);
      try {
        await sleep(500); // its first fetch and LISTEN done
        const before = await databaseCounters(handle.client, database);
        const cpuBefore = { worker: cpuMs(worker.pid!), database: postgresCpuMs() };
        const started = nowMs();
        await enqueue[kind]();
        const enqueued = nowMs();
        while (!(await queueEmpty())) await sleep(POLL_MS);
        const seconds = (nowMs() - started) / 1000;
        const cpuAfter = { worker: cpuMs(worker.pid!), database: postgresCpuMs() };
        // Backends report their statistics when they go idle or exit: read them once the worker is gone.
        await stopWorkerProcess(worker);
        const after = await databaseCounters(handle.client, database);
        if (kind === 'ours') {
          const [left] = await handle.db.execute<{ n: number }>(sql`select count(*)::int as n from jobs where status <> 'completed'`);
          if (left!.n !== 0) throw new Error(`${left!.n} of our jobs did not complete.`);
        }
        if (!record) return;
        sides[kind].jobsPerSecond.push(count / seconds);
        sides[kind].enqueueMs.push(enqueued - started);
        sides[kind].perJob.push({
          transactions: (Number(after.xacts) - Number(before.xacts)) / count,
          rowsWritten: (Number(after.written) - Number(before.written)) / count,
          walBytes: walDiff(before.wal, after.wal) / count,
          workerCpuUs: ((cpuAfter.worker - cpuBefore.worker) * 1000) / count,
          databaseCpuUs: ((cpuAfter.database - cpuBefore.database) * 1000) / count,
        });
      } finally {
        await stopWorkerProcess(worker);
      }
    };

    try {
      // Warm-up: both workers' code loaded once, the tables' first pages, the planner's statistics.
      log('warming up');
      await round('ours', jobCount, false);
      await round('raw', jobCount, false);
      for (let index = 0; index < ROUNDS; index++) {
        for (const kind of index % 2 === 0 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const)) {
          log(`round ${index + 1} of ${ROUNDS}: ${kind}`);
          await round(kind, jobCount, true);
        }
      }
    } finally {
      await utils.release();
    }

    const ratio = median(sides.ours.jobsPerSecond) / median(sides.raw.jobsPerSecond);
    const perJob = (side: Side, key: keyof Side['perJob'][number]) => median(side.perJob.map((entry) => entry[key]));
    console.log(
      `\nthroughput: ${jobCount.toLocaleString('en-US')} no-op jobs per round, ${ROUNDS} rounds each, one worker process at concurrency ${concurrency}; ` +
        `${os.cpus().length} cores, embedded PostgreSQL\n`,
    );
    printTable(
      ['path', 'jobs/s median (min–max)', 'enqueue ms', 'transactions/job', 'rows written/job', 'WAL bytes/job', 'worker CPU µs/job', 'database CPU µs/job'],
      (['ours', 'raw'] as const).map((kind) => [
        kind === 'ours' ? 'ours: launchJobs + task wrapper (ping)' : 'raw graphile-worker: addJobs + no-op task',
        medianRange(sides[kind].jobsPerSecond),
        median(sides[kind].enqueueMs).toFixed(0),
        perJob(sides[kind], 'transactions').toFixed(2),
        perJob(sides[kind], 'rowsWritten').toFixed(2),
        perJob(sides[kind], 'walBytes').toFixed(0),
        perJob(sides[kind], 'workerCpuUs').toFixed(0),
        perJob(sides[kind], 'databaseCpuUs').toFixed(0),
      ]),
    );
    console.log(`\nours / raw: ${ratio.toFixed(2)}; target at least ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`);
    console.log(
      JSON.stringify({
        bench: 'throughput',
        jobs: jobCount,
        concurrency,
        ours_jobs_s: Math.round(median(sides.ours.jobsPerSecond)),
        raw_jobs_s: Math.round(median(sides.raw.jobsPerSecond)),
        ratio: Number(ratio.toFixed(3)),
        ours_transactions_per_job: Number(perJob(sides.ours, 'transactions').toFixed(2)),
        raw_transactions_per_job: Number(perJob(sides.raw, 'transactions').toFixed(2)),
        ours_wal_bytes_per_job: Math.round(perJob(sides.ours, 'walBytes')),
        raw_wal_bytes_per_job: Math.round(perJob(sides.raw, 'walBytes')),
        ours_worker_cpu_us_per_job: Math.round(perJob(sides.ours, 'workerCpuUs')),
        raw_worker_cpu_us_per_job: Math.round(perJob(sides.raw, 'workerCpuUs')),
        ours_database_cpu_us_per_job: Math.round(perJob(sides.ours, 'databaseCpuUs')),
        raw_database_cpu_us_per_job: Math.round(perJob(sides.raw, 'databaseCpuUs')),
        rounds: ROUNDS,
      }),
    );
  });
}
