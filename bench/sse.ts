import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { createDb } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { jobs, type JobStatus } from '@/db/schema';
import { ensureDatabaseServer } from '@/db/server';
import { createAccount } from '@/lib/accounts';
import { provideDatabaseUrl } from '@/lib/env';
import { JOB_EVENTS_CHANNEL } from '@/lib/live/hub';
import { startConsole } from '@/scripts/launcher';
import { createDatabase, dropDatabases, uniqueDatabaseName } from '@/test/databases';
import { cpuMs, freePort, listeningPid, nowMs, rssMb, signIn, sleep } from './processes';
import { median, percentile, printTable } from './stats';

const CLIENT_COUNTS = [1, 100, 1000];

/** The figures of a run, as its last line of JSON prints them. */
export interface SseSummary {
  bench: 'sse';
  clients: Record<string, { p50_ms: number; p95_ms: number; max_ms: number; floor_p50_ms: number; samples: number; missed: number }>;
  target_met: boolean;
  [figure: string]: unknown;
}
const ROUNDS = 4;
const CHANGES_PER_ROUND = 10;
/**
 * Client processes: parsing 1,000 streams on the event loop that times the updates would delay its
 * own clock reads. The monotonic clock is the machine's, so their times and ours compare.
 */
const CLIENT_PROCESSES = 4;
/** Streams a client process has connecting at once: a burst of 1,000 SYNs would overflow the listen backlog. */
const OPEN_CONCURRENCY = 25;
/** A change every client has not seen after this long counts as missed. */
const COLLECT_TIMEOUT_MS = 10_000;
const TARGET_P95_MS = 100;
/** Every status change of the bench carries a message starting with this, so clients can match it. */
const TAG_PREFIX = 'sse-bench ';
const CLIENT_PROCESS_ROLE = 'sse-bench-clients';

type ToClients = { type: 'open'; url: string; cookie: string; count: number } | { type: 'collect'; tag: string } | { type: 'close' };
type FromClients =
  | { type: 'opened' }
  | { type: 'failed'; message: string }
  | { type: 'collected'; arrivals: number[]; missed: number }
  | { type: 'closed'; loopDelayP99Ms: number; endedEarly: number };

/** Milliseconds on the machine's monotonic clock. */

/**
 * Live-update latency: from a job's status change in the database (just before the UPDATE is sent)
 * to its `job` event arriving at 1, 100 and 1,000 clients of one web process, and that process's
 * memory. Runs the real console (production build, worker, web) on a fresh database; the clients are
 * signed-in HTTP streams spread over a few child processes.
 */
export async function run(clientCounts: readonly number[] = CLIENT_COUNTS): Promise<SseSummary> {
  const log = (message: string) => console.log(`[bench] ${message}`);
  const server = await ensureDatabaseServer(log);
  const name = uniqueDatabaseName('jobs_bench');
  const url = await createDatabase(server.adminUrl, name);
  const handle = createDb(url, { max: 2, applicationName: 'jobs-console-bench' });
  // The floor: the same NOTIFY at a plain LISTEN connection of this process, no web server in between.
  const listener = postgres(url, { max: 1, onnotice: () => {} });
  const notified = new Map<string, number>();
  try {
    provideDatabaseUrl(url);
    await migrateDatabase(url);
    // An account before the console starts: the launcher then creates (and prints) no first accounts.
    const email = 'sse-bench@example.test';
    const password = 'sse benchmark password';
    await createAccount(handle.db, { email, role: 'admin', password });
    // A CLI job with no graphile-worker entry: no worker ever touches it, only the bench changes it.
    const [job] = await handle.db
      .insert(jobs)
      .values({ task: 'long-running', title: 'SSE benchmark', origin: 'cli', osUser: 'bench', status: 'completed' })
      .returning({ id: jobs.id });
    const jobId = job!.id;
    await listener.listen(JOB_EVENTS_CHANNEL, (payload) => {
      const at = nowMs();
      const tag = (JSON.parse(payload) as { message: string | null }).message;
      if (tag?.startsWith(TAG_PREFIX)) notified.set(tag, at);
    });
    let changes = 0;
    /** Changes the job's status (alternating, so that the hub never coalesces); returns the time just before the UPDATE was sent. */
    const changeStatus = async (tag: string) => {
      const status: JobStatus = changes++ % 2 === 0 ? 'failed' : 'completed';
      const sentAt = nowMs();
      await handle.db.update(jobs).set({ status, message: tag, updatedAt: new Date() }).where(eq(jobs.id, jobId));
      return sentAt;
    };

    const port = await freePort();
    const app = await startConsole({ port, database: { ...server, url }, workerConcurrency: 1 });
    const clientProcesses = Array.from({ length: CLIENT_PROCESSES }, () => new ClientProcess());
    try {
      const cookie = await signIn(app.url, email, password);
      const pid = listeningPid(port);
      const streamUrl = `${app.url}/api/jobs/stream`;
      /** Opens the streams; returns the seconds it took and the server's CPU ms per stream. */
      const openClients = async (count: number) => {
        const started = nowMs();
        const cpuBefore = cpuMs(pid);
        await Promise.all(clientProcesses.map((clientProcess, index) => clientProcess.ask({ type: 'open', url: streamUrl, cookie, count: share(count, index) })));
        return { seconds: (nowMs() - started) / 1000, cpuMsPerStream: (cpuMs(pid) - cpuBefore) / count };
      };
      const closeClients = async () => {
        const replies = await Promise.all(clientProcesses.map((clientProcess) => clientProcess.ask({ type: 'close' })));
        // The server unsubscribes when it sees the sockets close; let it before the next phase.
        await sleep(1000);
        return replies.flatMap((reply) => (reply.type === 'closed' ? [reply] : []));
      };
      /** One change, timed at every client: the latencies, and how many clients never saw it. */
      const timedChange = async (tag: string) => {
        const sentAt = await changeStatus(tag);
        const replies = await Promise.all(clientProcesses.map((clientProcess) => clientProcess.ask({ type: 'collect', tag })));
        const latencies: number[] = [];
        let missed = 0;
        for (const reply of replies) {
          if (reply.type !== 'collected') continue;
          for (const arrival of reply.arrivals) latencies.push(arrival - sentAt);
          missed += reply.missed;
        }
        const floorAt = notified.get(tag);
        notified.delete(tag);
        return { latencies, missed, floor: floorAt === undefined ? [] : [floorAt - sentAt] };
      };

      // Warm-up: the route's first load, the hub's LISTEN connection, the pool's connections.
      await openClients(1);
      for (let i = 0; i < 5; i++) await timedChange(`${TAG_PREFIX}warm-up ${i}`);
      await closeClients();
      const rssIdle = rssMb(pid);

      const results: {
        clients: number;
        latencies: number[];
        roundMedians: number[];
        floor: number[];
        missed: number;
        open: { seconds: number; cpuMsPerStream: number };
        cpuMsPerChange: number;
        rss: number;
        loopDelayP99Ms: number;
        endedEarly: number;
      }[] = [];
      for (const clients of clientCounts) {
        const open = await openClients(clients);
        const latencies: number[] = [];
        const floor: number[] = [];
        const roundMedians: number[] = [];
        let missed = 0;
        const cpuBefore = cpuMs(pid);
        for (let round = 0; round < ROUNDS; round++) {
          const inRound: number[] = [];
          for (let i = 0; i < CHANGES_PER_ROUND; i++) {
            const change = await timedChange(`${TAG_PREFIX}${clients}-${round}-${i}`);
            inRound.push(...change.latencies);
            floor.push(...change.floor);
            missed += change.missed;
            await sleep(20);
          }
          latencies.push(...inRound);
          roundMedians.push(median(inRound));
        }
        const cpuMsPerChange = (cpuMs(pid) - cpuBefore) / (ROUNDS * CHANGES_PER_ROUND);
        const rss = rssMb(pid);
        const closed = await closeClients();
        results.push({
          clients,
          latencies,
          roundMedians,
          floor,
          missed,
          open,
          cpuMsPerChange,
          rss,
          loopDelayP99Ms: Math.max(...closed.map((reply) => reply.loopDelayP99Ms)),
          endedEarly: closed.reduce((sum, reply) => sum + reply.endedEarly, 0),
        });
      }

      const ms = (value: number) => value.toFixed(1);
      console.log(
        `\nsse: ${ROUNDS} rounds of ${CHANGES_PER_ROUND} status changes per client count, ${os.cpus().length} cores, embedded PostgreSQL, ` +
          `one \`next start\` process (pid ${pid})\n`,
      );
      printTable(
        [
          'clients',
          'samples',
          'p50 ms',
          'p95 ms',
          'max ms',
          'round p50 ms (min–max)',
          'missed',
          'floor p50/p95 ms',
          'connect s',
          'server CPU ms/connect',
          'server CPU ms/change',
          'server RSS MB',
        ],
        results.map((result) => [
          result.clients.toLocaleString('en-US'),
          result.latencies.length.toLocaleString('en-US'),
          ms(median(result.latencies)),
          ms(percentile(result.latencies, 0.95)),
          ms(Math.max(...result.latencies)),
          `${ms(median(result.roundMedians))} (${ms(Math.min(...result.roundMedians))}–${ms(Math.max(...result.roundMedians))})`,
          String(result.missed + result.endedEarly),
          `${ms(median(result.floor))}/${ms(percentile(result.floor, 0.95))}`,
          result.open.seconds.toFixed(1),
          // Below 100 streams the 10 ms ticks of /proc/<pid>/stat say nothing per stream.
          result.clients >= 100 ? ms(result.open.cpuMsPerStream) : '–',
          ms(result.cpuMsPerChange),
          String(Math.round(result.rss)),
        ]),
      );
      // The figures that matter most are those with the most clients.
      const atMost = results.at(-1)!;
      const most = atMost.clients.toLocaleString('en-US');
      const p95AtMost = percentile(atMost.latencies, 0.95);
      console.log(
        `\nserver RSS: ${Math.round(rssIdle)} MB with no client, ${Math.round(atMost.rss)} MB with ${most} (about ${Math.round(((atMost.rss - rssIdle) * 1024) / atMost.clients)} kB per client)`,
      );
      console.log(
        `clients: ${CLIENT_PROCESSES} Node processes started by the bench, on the same cores as the web server and PostgreSQL; ` +
          `their event-loop delay is part of the figures (p99 at ${most} clients: ${ms(atMost.loopDelayP99Ms)} ms)`,
      );
      console.log('floor: the same NOTIFY at a plain LISTEN connection of the bench process, no web server in between');
      console.log('server CPU: user + system time of the web process (/proc/<pid>/stat) while the streams open, and during the changes');
      console.log(`target: p95 under ${TARGET_P95_MS} ms at ${most} clients: ${p95AtMost < TARGET_P95_MS ? 'met' : 'NOT met'} (${ms(p95AtMost)} ms)`);
      const round1 = (value: number) => Number(value.toFixed(1));
      const summary: SseSummary = {
        bench: 'sse' as const,
        clients: Object.fromEntries(
          results.map((result) => [
            String(result.clients),
            {
              p50_ms: round1(median(result.latencies)),
              p95_ms: round1(percentile(result.latencies, 0.95)),
              max_ms: round1(Math.max(...result.latencies)),
              floor_p50_ms: round1(median(result.floor)),
              samples: result.latencies.length,
              missed: result.missed + result.endedEarly,
            },
          ]),
        ),
        rss_mb_idle: Math.round(rssIdle),
        [`rss_mb_${atMost.clients}`]: Math.round(atMost.rss),
        target_met: p95AtMost < TARGET_P95_MS,
        rounds: ROUNDS,
        changes_per_round: CHANGES_PER_ROUND,
      };
      console.log(JSON.stringify(summary));
      return summary;
    } finally {
      await Promise.all(clientProcesses.map((clientProcess) => clientProcess.stop()));
      await app.stop();
    }
  } finally {
    await listener.end({ timeout: 5 });
    await handle.close();
    await dropDatabases(server.adminUrl, [name]);
    await server.release();
  }
}

/** One client process's part of `count` clients, spread evenly. */
function share(count: number, index: number): number {
  return Math.floor(count / CLIENT_PROCESSES) + (index < count % CLIENT_PROCESSES ? 1 : 0);
}

/** A child process holding some of the clients; one question at a time. */
class ClientProcess {
  private readonly child = fork(fileURLToPath(import.meta.url), [CLIENT_PROCESS_ROLE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  private exited = false;

  constructor() {
    this.child.once('exit', () => {
      this.exited = true;
    });
  }

  ask(message: ToClients): Promise<FromClients> {
    if (this.exited) return Promise.reject(new Error('A client process has exited.'));
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => {
        this.child.off('message', onMessage);
        reject(new Error(`A client process exited (code ${code}).`));
      };
      const onMessage = (reply: FromClients) => {
        this.child.off('exit', onExit);
        if (reply.type === 'failed') reject(new Error(reply.message));
        else resolve(reply);
      };
      this.child.once('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exit = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exit;
  }
}

/** The clients' side: opens streams, parses them, and reports when each change reached them. */
function serveClients(): void {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const streams: http.ClientRequest[] = [];
  const arrivals = new Map<string, number[]>();
  const waiters = new Map<string, () => void>();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  let closing = false;
  let endedEarly = 0;

  const record = (tag: string, at: number) => {
    let list = arrivals.get(tag);
    if (!list) arrivals.set(tag, (list = []));
    list.push(at);
    if (list.length >= streams.length) waiters.get(tag)?.();
  };

  const openStream = (url: string, cookie: string) =>
    new Promise<void>((resolve, reject) => {
      let ready = false;
      // A browser's headers: with Accept-Encoding, a compressed response would hold events back.
      const headers = { cookie, accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br' };
      const request = http.get(url, { agent, headers }, (response) => {
        if (response.statusCode !== 200 || response.headers['content-encoding']) {
          response.resume();
          reject(new Error(`GET ${url} answered ${response.statusCode} (content-encoding: ${response.headers['content-encoding'] ?? 'none'}).`));
          return;
        }
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          const at = nowMs();
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            const message = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of message.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice('event: '.length);
              else if (line.startsWith('data: ')) data += line.slice('data: '.length);
            }
            if (event === 'ready' && !ready) {
              ready = true;
              resolve();
            } else if (event === 'job') {
              const tag = (JSON.parse(data) as { message: string | null }).message;
              if (tag?.startsWith(TAG_PREFIX)) record(tag, at);
            }
          }
        });
        response.on('close', () => {
          if (!ready) reject(new Error('A stream ended before its `ready` event.'));
          else if (!closing) endedEarly++;
        });
      });
      request.on('error', (error) => {
        if (!ready) reject(error);
      });
      streams.push(request);
    });

  const handlers: { [K in ToClients['type']]: (message: Extract<ToClients, { type: K }>) => Promise<FromClients> } = {
    async open({ url, cookie, count }) {
      closing = false;
      endedEarly = 0;
      arrivals.clear();
      let started = 0;
      const lane = async () => {
        while (started < count) {
          started++;
          await openStream(url, cookie);
        }
      };
      await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, lane));
      loopDelay.reset();
      loopDelay.enable();
      return { type: 'opened' };
    },
    async collect({ tag }) {
      if ((arrivals.get(tag)?.length ?? 0) < streams.length) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, COLLECT_TIMEOUT_MS);
          waiters.set(tag, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        waiters.delete(tag);
      }
      const list = arrivals.get(tag) ?? [];
      arrivals.delete(tag);
      return { type: 'collected', arrivals: list, missed: streams.length - list.length };
    },
    async close() {
      closing = true;
      loopDelay.disable();
      for (const stream of streams) stream.destroy();
      streams.length = 0;
      return { type: 'closed', loopDelayP99Ms: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0, endedEarly };
    },
  };

  const reply = (message: FromClients) => process.send!(message);
  process.on('message', (message: ToClients) => {
    const handler = handlers[message.type] as (message: ToClients) => Promise<FromClients>;
    handler(message).then(reply, (error: unknown) => reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
  });
}

if (process.argv[2] === CLIENT_PROCESS_ROLE && process.send) serveClients();
