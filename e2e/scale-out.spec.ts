import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { freePort, signIn } from '@/bench/processes';
import { createDb, type DbHandle } from '@/db/client';
import { ensureDatabaseServer, type DatabaseServer } from '@/db/server';
import { createAccount } from '@/lib/accounts';
import { startConsole, type RunningConsole } from '@/scripts/launcher';
import { createDatabase, dropDatabases, uniqueDatabaseName } from '@/test/databases';
import { expect, hiddenFormFields, test } from './support';

/**
 * The real deployment on one machine: two web processes and three worker processes on one
 * PostgreSQL. 2,000 jobs are launched through both web processes (the launch form's server action,
 * posted as a browser without JavaScript posts it: many at once) and the CLI; each job's task writes
 * one log line under a unique index, so a second run of any job would fail. SSE clients of each
 * account on each web process must see every job they may see end.
 */

const execFileAsync = promisify(execFile);
/** Jobs launched by each of the four (account, web process) pairs of the plan below. */
const WEB_JOBS_PER_ACCOUNT_AND_PROCESS = 400;
const CLI_JOBS = 400;
/** Form posts in flight at once, per web process. */
const PARALLEL_POSTS = 8;

interface Account {
  email: string;
  password: string;
  role: 'user' | 'admin';
  id: string;
}

/** A signed-in SSE client: the newest status of every job it heard of, reconnecting with Last-Event-ID. */
class StreamClient {
  readonly statuses = new Map<number, string>();
  reloads = 0;
  private lastEventId: string | null = null;
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;
  private readyResolve!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly cookie: string,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const headers: Record<string, string> = { cookie: this.cookie, accept: 'text/event-stream' };
        if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
        const response = await fetch(`${this.url}/api/jobs/stream`, { headers, signal: this.abort.signal });
        if (response.status !== 200 || !response.body) throw new Error(`${this.name}: stream answered ${response.status}`);
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            this.handle(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        if (!(error instanceof TypeError)) throw error; // a dropped connection: reconnect
      }
    }
  }

  private handle(message: string) {
    let event = 'message';
    let data = '';
    for (const line of message.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
      else if (line.startsWith('id: ')) this.lastEventId = line.slice(4);
    }
    if (event === 'ready') this.readyResolve();
    if (event === 'reload') this.reloads++;
    if (event === 'job') {
      const job = JSON.parse(data) as { id: number; status: string };
      this.statuses.set(job.id, job.status);
    }
  }

  completed(ids: number[]): number {
    return ids.filter((id) => this.statuses.get(id) === 'completed').length;
  }

  async close() {
    this.abort.abort();
    await this.done.catch(() => {});
  }
}

/**
 * Launches a ping through the launch page's form, as a browser without JavaScript submits it: the
 * page's hidden fields name the server action; Next answers with a redirect to the new job's page.
 */
async function launchThroughForm(baseUrl: string, cookie: string, message: string): Promise<number> {
  const page = await fetch(`${baseUrl}/jobs/new/ping`, { headers: { cookie } });
  // The launch form, not the layout's sign-out form: its hidden fields name the launch action.
  const fields = hiddenFormFields(await page.text(), 'priority');
  if (!fields) throw new Error(`No launch form at ${baseUrl}/jobs/new/ping (${page.status}).`);
  const body = new FormData();
  for (const [name, value] of fields) body.append(name, value);
  body.append('message', message);
  body.append('priority', 'normal');
  const response = await fetch(`${baseUrl}/jobs/new/ping`, { method: 'POST', body, headers: { cookie, origin: baseUrl }, redirect: 'manual' });
  const location = response.headers.get('location') ?? '';
  const id = /\/jobs\/(\d+)$/.exec(location)?.[1];
  if (!id) throw new Error(`Launching through ${baseUrl} answered ${response.status} ${location}`);
  return Number(id);
}

/** Runs `work` for each item, `parallel` at a time. */
async function inParallel<T, R>(items: T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

test.describe('two web processes and three workers on one database', () => {
  test.describe.configure({ timeout: 600_000 });
  let server: DatabaseServer;
  let name: string;
  let app: RunningConsole;
  let database: DbHandle;
  const savedDatabaseUrl = process.env.DATABASE_URL;

  test.beforeAll(async () => {
    server = await ensureDatabaseServer();
    name = uniqueDatabaseName('jobs_scale');
    const url = await createDatabase(server.adminUrl, name);
    app = await startConsole({ port: await freePort(), morePorts: [await freePort()], workers: 3, workerConcurrency: 4, database: { ...server, url } });
    database = createDb(url, { max: 2, applicationName: 'jobs-console-scale-test' });
    // The proof of single execution: a ping writes its message to its log once; a second run of a
    // job would write it again and fail on this index.
    await database.db.execute(sql`create unique index scale_once on job_logs (job_id) where message like 'scale %'`);
  });

  test.afterAll(async () => {
    await database?.close();
    await app?.stop();
    if (name) await dropDatabases(server.adminUrl, [name]);
    await server?.release();
    if (savedDatabaseUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = savedDatabaseUrl;
  });

  test('2,000 jobs through both web processes and the CLI: each runs once, every stream hears each end, nothing is left', async () => {
    const accounts: Record<'a' | 'b' | 'admin', Account> = {} as never;
    for (const [key, role] of [
      ['a', 'user'],
      ['b', 'user'],
      ['admin', 'admin'],
    ] as const) {
      const email = `scale-${key}@example.test`;
      const password = `scale test password ${key}`;
      const created = await createAccount(database.db, { email, role, password });
      accounts[key] = { email, password, role, id: created.id };
    }
    // One session per account, signed in on the first web process and used on both (same AUTH_SECRET).
    const cookies = Object.fromEntries(
      await Promise.all(Object.entries(accounts).map(async ([key, account]) => [key, await signIn(app.urls[0]!, account.email, account.password)] as const)),
    ) as Record<'a' | 'b' | 'admin', string>;
    const streams = app.urls.flatMap((url, index) =>
      (['a', 'b', 'admin'] as const).map((key) => ({ key, client: new StreamClient(`${key}@web${index + 1}`, url, cookies[key]) })),
    );
    await Promise.all(streams.map((stream) => stream.client.ready));

    // 1,600 through the web: user A on web 1, user B on web 2, the admin on both; 400 through the CLI.
    const plan: { key: 'a' | 'b' | 'admin'; url: string }[] = [
      { key: 'a', url: app.urls[0]! },
      { key: 'b', url: app.urls[1]! },
      { key: 'admin', url: app.urls[0]! },
      { key: 'admin', url: app.urls[1]! },
    ];
    const launched = { a: [] as number[], b: [] as number[], admin: [] as number[], cli: [] as number[] };
    const cli = execFileAsync(process.execPath, [path.resolve('bin/jobs-console.mjs'), 'enqueue', 'ping', '--count', String(CLI_JOBS), '--args', '{"message": "scale cli"}'], {
      env: { ...process.env, DATABASE_URL: app.databaseUrl },
    });
    await Promise.all(
      plan.map(async ({ key, url }, planIndex) => {
        const ids = await inParallel(
          Array.from({ length: WEB_JOBS_PER_ACCOUNT_AND_PROCESS }, (_, index) => index),
          PARALLEL_POSTS / 2,
          (index) => launchThroughForm(url, cookies[key], `scale ${key} ${planIndex} ${index}`),
        );
        launched[key].push(...ids);
      }),
    );
    launched.cli.push(...(await cli).stdout.trim().split('\n').map(Number));
    const all = [...launched.a, ...launched.b, ...launched.admin, ...launched.cli];
    expect(new Set(all).size).toBe(2_000);

    // Every job completes, once.
    await expect
      .poll(async () => (await database.db.execute<{ n: number }>(sql`select count(*)::int as n from jobs where status = 'completed'`))[0]!.n, { timeout: 300_000, intervals: [500] })
      .toBe(2_000);
    const [counts] = await database.db.execute<{ jobs: number; once: number; attempts: number; failed: number }>(sql`
      select count(*)::int as jobs,
             (select count(*)::int from job_logs where message like 'scale %') as once,
             count(*) filter (where attempts = 1)::int as attempts,
             count(*) filter (where status <> 'completed')::int as failed
      from jobs`);
    expect(counts).toEqual({ jobs: 2_000, once: 2_000, attempts: 2_000, failed: 0 });

    // Each stream, on either web process, heard the end of every job its account may see.
    const visible = { a: launched.a, b: launched.b, admin: all };
    await expect
      .poll(() => streams.map(({ key, client }) => `${client.name}: ${client.completed(visible[key])} of ${visible[key].length}`), { timeout: 60_000 })
      .toEqual(streams.map(({ key, client }) => `${client.name}: ${visible[key].length} of ${visible[key].length}`));
    for (const { key, client } of streams) {
      expect(client.reloads, client.name).toBe(0);
      // A user's stream carries nothing of anyone else's.
      if (key !== 'admin') expect([...client.statuses.keys()].every((id) => visible[key].includes(id)), client.name).toBe(true);
    }
    await Promise.all(streams.map(({ client }) => client.close()));

    // Nothing is left running, waiting or locked.
    const [left] = await database.db.execute<{ active: number; entries: number; locked: number }>(sql`
      select (select count(*)::int from jobs where status in ('scheduled', 'queued', 'retrying', 'running')) as active,
             (select count(*)::int from graphile_worker._private_jobs) as entries,
             (select count(*)::int from graphile_worker._private_jobs where locked_at is not null) as locked`);
    expect(left).toEqual({ active: 0, entries: 0, locked: 0 });
    // The work was shared: each worker process ran some of the jobs.
    const perWorker = await database.db.execute<{ worker_id: string; n: number }>(sql`select worker_id, count(*)::int as n from jobs group by worker_id`);
    expect(perWorker.length).toBe(3);
  });
});
