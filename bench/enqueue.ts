import os from 'node:os';
import { sql } from 'drizzle-orm';
import { makeWorkerUtils } from 'graphile-worker';
import { closeDb, getDb } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { ensureDatabaseServer } from '@/db/server';
import { findTask } from '@/jobs/catalogue';
import { enqueueJobs } from '@/jobs/enqueue';
import { launchJob } from '@/jobs/launch';
import { quietLogger } from '@/jobs/worker/logger';
import { createAccount } from '@/lib/accounts';
import { provideDatabaseUrl } from '@/lib/env';
import { createDatabase, dropDatabases, uniqueDatabaseName } from '@/test/databases';
import { median, medianRange, printTable } from './stats';

const ROUNDS = 3;
const SINGLE = 500;
const BATCH = 20_000;

/**
 * Enqueue cost: launchJob one at a time (permission check, validation, our row, add_jobs and the
 * audit row in one transaction each) and enqueueJobs in one batch, next to graphile-worker's own
 * addJobs of the same batch size, in the same run on a fresh database. No worker runs meanwhile.
 */
export async function run(): Promise<void> {
  const server = await ensureDatabaseServer();
  const name = uniqueDatabaseName('jobs_bench');
  const url = await createDatabase(server.adminUrl, name);
  try {
    provideDatabaseUrl(url);
    await migrateDatabase(url);
    const owner = await createAccount(getDb(), { email: 'bench@example.test', role: 'user', password: 'benchmark password' });
    const viewer = { kind: 'person' as const, ...owner };
    const task = findTask('long-running')!;
    const payload = { durationSeconds: 1, steps: 1 };
    const utils = await makeWorkerUtils({ connectionString: url, logger: quietLogger });
    const single: number[] = [];
    const batch: number[] = [];
    const raw: number[] = [];
    const timed = async (count: number, work: () => Promise<unknown>) => {
      const started = performance.now();
      await work();
      return count / ((performance.now() - started) / 1000);
    };
    // Warm-up: connections, prepared statements, page cache.
    await enqueueJobs(getDb(), Array.from({ length: 1000 }, () => ({ task, payload, origin: 'web' as const, ownerId: owner.id })));
    for (let round = 0; round < ROUNDS; round++) {
      single.push(
        await timed(SINGLE, async () => {
          for (let i = 0; i < SINGLE; i++) await launchJob(viewer, 'long-running', payload, { origin: 'web' });
        }),
      );
      batch.push(await timed(BATCH, () => enqueueJobs(getDb(), Array.from({ length: BATCH }, () => ({ task, payload, origin: 'web' as const, ownerId: owner.id })))));
      raw.push(await timed(BATCH, () => utils.addJobs(Array.from({ length: BATCH }, (_, i) => ({ identifier: 'long-running', payload: { n: i } })))));
      await getDb().execute(sql`delete from graphile_worker._private_jobs`);
    }
    await utils.release();
    const ratio = median(batch) / median(raw);
    console.log(`enqueue: ${ROUNDS} rounds on ${os.cpus().length} cores, embedded PostgreSQL, no worker running\n`);
    printTable(
      ['path', 'jobs per call', 'jobs/s median (min–max)'],
      [
        ['launchJob, one transaction each (ours)', '1', medianRange(single)],
        ['enqueueJobs, one batch (ours)', BATCH.toLocaleString('en-US'), medianRange(batch)],
        ['addJobs, one batch (raw graphile-worker)', BATCH.toLocaleString('en-US'), medianRange(raw)],
      ],
    );
    console.log(`\nbatch, ours / raw: ${ratio.toFixed(2)}`);
    console.log(
      JSON.stringify({
        bench: 'enqueue',
        ours_single_jobs_s: Math.round(median(single)),
        ours_batch_jobs_s: Math.round(median(batch)),
        raw_batch_jobs_s: Math.round(median(raw)),
        ratio: Number(ratio.toFixed(3)),
        rounds: ROUNDS,
      }),
    );
  } finally {
    await closeDb();
    await dropDatabases(server.adminUrl, [name]);
    await server.release();
  }
}
