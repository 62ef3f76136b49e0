import net from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, getDb, type DbHandle } from '@/db/client';
import { EventHub } from '@/lib/live/hub';
import { currentEventId, eventsSince, openEventStream } from '@/lib/live/stream';
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
 * About 70 s, and it runs when DATABASE_FAULT_TESTS is set: not yet in CI, where, with the other
 * test files running beside it, it found two problems still open (one job's graphile-worker entry
 * left locked after a cut, though the job completed; three jobs logging the start of one attempt
 * twice after an outage). Alone, it passes.
 */

const WORKERS = 2;
const CONCURRENCY = 10;
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
  private reloading: Promise<void> = Promise.resolve();
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
    if (fields.get('event') === 'reload') {
      // Too much to replay: a page reloads, reading every job as it is now.
      this.reloads++;
      this.reloading = this.reloading.then(async () => (await eventsSince(this.db.db, this.viewer, 0, Number.MAX_SAFE_INTEGER))?.forEach((event) => this.keep(event)));
    }
    if (fields.get('event') === 'job') this.keep(JSON.parse(fields.get('data')!) as JobEvent);
    if (id) this.lastEventId = Number(id);
  }

  private keep(event: JobEvent): void {
    const known = this.latest.get(event.id);
    if (!known || known.e < event.e) this.latest.set(event.id, event);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    await this.reloading;
  }
}

/**
 * A TCP relay in front of PostgreSQL that can make the database unreachable: `down(ms)` drops every
 * connection and refuses new ones for that long, as a database restart does to its clients.
 */
class Outage {
  private server = net.createServer((socket) => this.relay(socket));
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  private relay(client: net.Socket): void {
    const upstream = net.connect(this.target);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  start(): Promise<void> {
    return this.listen(0);
  }

  /** `url` with its host and port replaced by the relay's. */
  urlFor(url: string): string {
    const relayed = new URL(url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(this.port);
    return relayed.toString();
  }

  async down(ms: number): Promise<number> {
    const dropped = [...this.sockets].length / 2;
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    await sleep(ms);
    this.server = net.createServer((socket) => this.relay(socket));
    await this.listen(this.port);
    return dropped;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The two ways the database goes away under the app. */
const faultKinds = [
  { kind: 'every connection of the app cut', faults: 5, firstJobs: 400, outageMs: 0 },
  { kind: 'the database unreachable for 3 s', faults: 2, firstJobs: 200, outageMs: 3_000 },
] as const;

describe.skipIf(!process.env.DATABASE_FAULT_TESTS)('the database cuts every connection while jobs run', () => {
  let user: PersonViewer;
  let injector: DbHandle;
  beforeAll(async () => {
    user = await createTestUser('user');
    injector = createDb(databaseUrl(), { max: 1, applicationName: 'fault-injector' });
  });
  afterAll(async () => {
    await injector?.close();
  });

  it.each(faultKinds)('$kind, $faults times: workers, the event hub and a live client reconnect; every acknowledged job runs once and ends; LISTEN is back', { timeout: 240_000 }, async ({ kind, faults, firstJobs, outageMs }) => {
    // The workers and the web process reach the database through the relay when it is to go away.
    const outage = outageMs > 0 ? new Outage({ host: new URL(databaseUrl()).hostname, port: Number(new URL(databaseUrl()).port || 5432) }) : null;
    await outage?.start();
    const appUrl = outage ? outage.urlFor(databaseUrl()) : databaseUrl();
    const before = await injector.db.execute<{ id: string }>(sql`select id::text from jobs`);
    const earlier = new Set(before.map((row) => Number(row.id)));
    const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorkerProcess(appUrl, { WORKER_CONCURRENCY: String(CONCURRENCY) })));
    const hub = new EventHub(appUrl, { coalesceMs: 50 });
    const web = createDb(appUrl, { max: 4, applicationName: 'jobs-console-web' });
    expect(await hub.ready(10_000)).toBe(true);
    const client = new LiveClient(hub, web, user, await currentEventId(injector.db));

    const acknowledged = new Set<number>(await launchJobs(user, 'long-running', Array.from({ length: firstJobs }, () => ({ durationSeconds: 1, steps: 4 })), { origin: 'web' }));
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
    for (let fault = 0; fault < faults; fault++) {
      await sleep(FAULT_EVERY_MS);
      if (outage) {
        cut.push(await outage.down(outageMs));
        continue;
      }
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
    const rows = (
      await injector.db.execute<{ id: string; task: string; status: string; attempts: number; errors: number; error: string | null }>(
        sql`select id::text, task, status, attempts, errors, error from jobs order by id`,
      )
    ).filter((row) => !earlier.has(Number(row.id)));
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
    const activity = () =>
      injector.db.execute<{ app: string; state: string; query: string; backend_start: string }>(sql`
        select application_name as app, state, left(query, 60) as query, backend_start::text from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() order by application_name, backend_start`);
    const listeners = async () => (await activity()).filter((row) => row.query.startsWith('LISTEN "jobs:insert"')).length;
    const listenDeadline = Date.now() + 30_000;
    while ((await listeners()) !== WORKERS && Date.now() < listenDeadline) await sleep(200);
    expect(await listeners(), JSON.stringify(await activity(), null, 1)).toBe(WORKERS);
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
      `[database faults] ${kind}, ${faults} times (${cut.join(', ')} connections), ${rows.length} jobs (${acknowledged.size} acknowledged, ${refused} launches refused during a cut): ` +
        `all completed, 0 lost, 0 run twice; ${rows.filter((row) => row.errors > 0).length} had a failed attempt; ` +
        `the live client reconnected ${client.reconnects} times (${client.reloads} reloads); after the cuts a launch ran in ${pickupMs} ms and a stop took ${stopMs} ms`,
    );
    await client.stop();
    await hub.stop();
    await web.close();
    await Promise.all(workers.map((child) => killProcess(child, 'SIGTERM')));
    await outage?.stop();
  });
});
