import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, getDb, type DbHandle } from '@/db/client';
import { EventHub } from '@/lib/live/hub';
import { openEventStream } from '@/lib/live/stream';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { killProcess, killWorkerProcesses, startWorkerProcess } from '@/test/worker-processes';
import { stopJob } from '../control';
import type { JobEvent } from '../events';
import { launchJob, launchJobs } from '../launch';
import type { PersonViewer } from '../viewer';

/**
 * The database cuts every connection of the app, again and again, while jobs run and more are
 * launched: two worker processes and a web process's event hub (with a live client on it) must
 * reconnect on their own, LISTEN again, and lose nothing. Every backend of the test's database is
 * terminated (pg_terminate_backend, as a restart or a failover does to its clients): the workers'
 * pools and their LISTEN connections, graphile-worker's, the hub's, the stream's and the launcher's.
 * About 40 s, so it runs when FAULT_TESTS is set (.ci/run sets it).
 */

const FIRST_JOBS = 400;
const WORKERS = 2;
const CONCURRENCY = 10;
const FAULTS = 5;
const FAULT_EVERY_MS = 3_000;
const LAUNCH_EVERY_MS = 50;

const databaseUrl = setUpTestDatabase();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(killWorkerProcesses);

/**
 * A browser's EventSource, in-process: reads the real stream, keeps the newest event per job, and
 * when the stream ends (the hub lost its connection) opens a new one from its last event id.
 */
class LiveClient {
  readonly latest = new Map<number, JobEvent>();
  lastEventId: number;
  reconnects = 0;
  reloads = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly hub: EventHub,
    private readonly db: DbHandle,
    private readonly viewer: PersonViewer,
    startAt: number,
  ) {
    this.lastEventId = startAt;
    this.done = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const abort = new AbortController();
      const stop = setInterval(() => this.stopped && abort.abort(), 100);
      try {
        const stream = openEventStream({ hub: this.hub, db: this.db.db, viewer: this.viewer, lastEventId: this.lastEventId, signal: abort.signal, readyTimeoutMs: 2_000 });
        let buffer = '';
        const decoder = new TextDecoder();
        const reader = stream.getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          buffer += decoder.decode(read.value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.receive(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        // the replay's query lost its connection: reconnect as a browser would
      } finally {
        clearInterval(stop);
      }
      if (this.stopped) break;
      this.reconnects++;
      await sleep(200);
    }
  }

  private receive(message: string): void {
    const fields = new Map(message.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
    const id = fields.get('id');
    if (fields.get('event') === 'reload') this.reloads++;
    if (fields.get('event') === 'job') {
      const event = JSON.parse(fields.get('data')!) as JobEvent;
      const known = this.latest.get(event.id);
      if (!known || known.e < event.e) this.latest.set(event.id, event);
    }
    if (id) this.lastEventId = Number(id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

describe.skipIf(!process.env.FAULT_TESTS)('the database cuts every connection while jobs run', () => {
  let user: PersonViewer;
  let injector: DbHandle;
  beforeAll(async () => {
    user = await createTestUser('user');
    injector = createDb(databaseUrl(), { max: 1, applicationName: 'fault-injector' });
  });
  afterAll(async () => {
    await injector?.close();
  });

  it('workers, the event hub and a live client reconnect; every acknowledged job runs once and ends; LISTEN is back', { timeout: 240_000 }, async () => {
    const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorkerProcess(databaseUrl(), { WORKER_CONCURRENCY: String(CONCURRENCY) })));
    const hub = new EventHub(databaseUrl(), { coalesceMs: 50 });
    const web = createDb(databaseUrl(), { max: 4, applicationName: 'jobs-console-web' });
    expect(await hub.ready(10_000)).toBe(true);
    const client = new LiveClient(hub, web, user, 0);

    const acknowledged = new Set<number>(await launchJobs(user, 'long-running', Array.from({ length: FIRST_JOBS }, () => ({ durationSeconds: 1, steps: 4 })), { origin: 'web' }));
    // More launches all along, as the pages and the CLI would make: each either returns its id or fails.
    let refused = 0;
    let launching = true;
    const launcher = (async () => {
      while (launching) {
        try {
          acknowledged.add(await launchJob(user, 'ping', { message: 'launched during the faults' }, { origin: 'web' }));
        } catch {
          refused++;
        }
        await sleep(LAUNCH_EVERY_MS);
      }
    })();

    const cut: number[] = [];
    for (let fault = 0; fault < FAULTS; fault++) {
      await sleep(FAULT_EVERY_MS);
      const [row] = await injector.db.execute<{ n: number }>(sql`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()`);
      cut.push(row!.n);
    }
    launching = false;
    await launcher;

    // Every acknowledged job ends, completed, within the time the work takes plus the rescue window.
    const count = async (condition: ReturnType<typeof sql>) => {
      const [row] = await injector.db.execute<{ n: number }>(sql`select count(*)::int as n from jobs where ${condition}`);
      return row!.n;
    };
    const deadline = Date.now() + 120_000;
    while ((await count(sql`status not in ('completed', 'failed', 'cancelled')`)) > 0 && Date.now() < deadline) await sleep(500);
    const rows = await injector.db.execute<{ id: string; status: string; attempts: number; errors: number }>(
      sql`select id::text, status, attempts, errors from jobs order by id`,
    );
    const unfinished = rows.filter((row) => row.status !== 'completed');
    expect(unfinished, `jobs not completed: ${JSON.stringify(unfinished.slice(0, 5))}`).toEqual([]);
    // Nothing acknowledged is missing; a job the database committed as its connection was cut (the
    // caller saw an error) exists and ran too: it is not lost either.
    const existing = new Set(rows.map((row) => Number(row.id)));
    expect([...acknowledged].filter((id) => !existing.has(id))).toEqual([]);

    // No attempt ran twice (one "started" line per attempt), and nothing is left queued or locked.
    const [twice] = await injector.db.execute<{ n: number }>(sql`
      select count(*)::int as n from (
        select job_id from job_logs where message like 'Attempt % started on worker %'
        group by job_id having count(*) <> count(distinct attempt)) as doubled`);
    expect(twice!.n).toBe(0);
    const [left] = await injector.db.execute<{ entries: number; locked: number }>(sql`
      select (select count(*)::int from graphile_worker._private_jobs) as entries,
             (select count(*)::int from graphile_worker._private_jobs where locked_at is not null) as locked`);
    expect(left).toEqual({ entries: 0, locked: 0 });

    // LISTEN is back everywhere: a job launched now runs at once (graphile-worker's LISTEN; its
    // polling alone would take up to 2 s), a stop request reaches the running task (the workers'
    // own LISTEN), and the live client hears both (the hub's LISTEN).
    const probe = await launchJob(user, 'long-running', { durationSeconds: 60, steps: 60 }, { origin: 'web' });
    const launchedAt = Date.now();
    while ((await count(sql`id = ${probe} and status = 'running'`)) === 0 && Date.now() - launchedAt < 5_000) await sleep(20);
    const pickupMs = Date.now() - launchedAt;
    expect(pickupMs).toBeLessThan(1_500);
    await stopJob(getDb(), user, probe, 'graceful', { origin: 'web' });
    const stopAt = Date.now();
    while ((await count(sql`id = ${probe} and status = 'cancelled'`)) === 0 && Date.now() - stopAt < 10_000) await sleep(20);
    const stopMs = Date.now() - stopAt;
    expect(stopMs).toBeLessThan(3_000);
    const heardAt = Date.now();
    while (client.latest.get(probe)?.status !== 'cancelled' && Date.now() - heardAt < 5_000) await sleep(20);

    // The client, through all its reconnections, ends up with every job's final state.
    const wrong = rows.filter((row) => client.latest.get(Number(row.id))?.status !== 'completed').map((row) => row.id);
    expect(wrong, `the live client's last state differs for ${wrong.length} jobs, e.g. ${wrong.slice(0, 5).join(', ')}`).toEqual([]);
    expect(client.latest.get(probe)?.status).toBe('cancelled');

    console.log(
      `[database faults] ${FAULTS} cuts (${cut.join(', ')} connections), ${rows.length} jobs (${acknowledged.size} acknowledged, ${refused} launches refused during a cut): ` +
        `all completed, 0 lost, 0 run twice; ${rows.filter((row) => row.errors > 0).length} had a failed attempt; ` +
        `the live client reconnected ${client.reconnects} times (${client.reloads} reloads); after the cuts a launch ran in ${pickupMs} ms and a stop took ${stopMs} ms`,
    );
    await client.stop();
    await hub.stop();
    await web.close();
    await Promise.all(workers.map((child) => killProcess(child, 'SIGTERM')));
  });
});
