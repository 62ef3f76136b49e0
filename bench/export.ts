import http from 'node:http';
import os from 'node:os';
import postgres from 'postgres';
import { createDb } from '@/db/client';
import { exportCopyStatement, exportQuery, exportStream } from '@/jobs/export';
import { parseJobFilter, type JobFilter } from '@/jobs/filters';
import type { PersonViewer } from '@/jobs/viewer';
import { createAccount } from '@/lib/accounts';
import { CsvRecordCounter } from '@/lib/csv';
import { startConsole } from '@/scripts/launcher';
import { withBenchDatabase } from './database';
import { fillHistory, rowsFromArguments } from './history';
import { cpuMs, freePort, hwmMb, listeningPid, nowMs, rssMb, signIn, sleep } from './processes';
import { median, medianRange, printTable } from './stats';

/**
 * History export: `GET /api/jobs/export?format=csv` of the real console (production build, one
 * `next start`), signed in as an admin, next to `COPY (<the same query>) TO STDOUT WITH (FORMAT csv,
 * HEADER)` in the same run, on a fresh database filled with generated history and dropped at the
 * end. The route writes its CSV by that same COPY, so the ratio is what Next, HTTP and the stream
 * plumbing cost. Also, to show where the time goes: the same `exportStream` read in the bench process
 * (no Next, no HTTP), and a bare postgres.js cursor of the query (what JSON lines reads, no encoding). The web process's RSS is
 * sampled every 100 ms, at two export sizes (SMALL_ROWS, picked by a `task` filter, and every row),
 * to show whether its peak grows with the row count. `ratio` is the uncompressed route's rows/s over
 * COPY's; the gzip figure is what a browser gets, since `next start` compresses text/csv.
 *
 * `npm run bench -- export` exports 1,000,000 rows (about 3 minutes once built);
 * `npm run bench -- export --rows 10000000` ten million (about 4.6 GB of disk for the table and its
 * indexes, and roughly half an hour). A run killed midway leaves its `jobs_bench_*` database behind.
 */

const DEFAULT_ROWS = 1_000_000;
const SMALL_ROWS = 100_000;
const ROUNDS = 3;
const SAMPLE_MS = 100;
/** The export is within target at this fraction of COPY's rows per second or more. */
const TARGET_RATIO = 0.5;
/** The task of every (rows / SMALL_ROWS)th row: the `task` filter that gives the small export. */
const SMALL_TASK = 'history-report';
/** An HTTP request that sends nothing for this long fails. */
const STALL_MS = 60_000;
/** What a browser sends: Next's `next start` then gzips the CSV (text/csv is compressible). */
const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br';

type PathName = 'route' | 'routeGzip' | 'copy' | 'inProcess' | 'cursor';

const pathLabels: Record<PathName, string> = {
  route: 'ours: the route over HTTP, no compression',
  routeGzip: 'ours: the route over HTTP, as a browser asks (gzip)',
  copy: 'COPY (same query) TO STDOUT, csv, header',
  inProcess: 'exportStream in the bench process (no Next, no HTTP)',
  cursor: 'postgres.js cursor(1000) of the query, no encoding',
};

/** One export size: the route's query parameters and the same filter parsed, for the other paths. */
interface ExportSize {
  key: 'small' | 'all';
  params: Record<string, string>;
  filter: JobFilter;
}

interface Measurement {
  seconds: number;
  rows: number;
  bytes: number;
  /** CPU of the process doing the encoding: the web server for the route, the bench for the others. */
  clientCpuMs: number;
  /** CPU of this database's PostgreSQL backends; NaN when the server is not on this machine. */
  postgresCpuMs: number;
  /** Peak of the web process's RSS during the measurement, in MB. */
  webRssPeakMb: number;
}

const count = (value: number) => Math.round(value).toLocaleString('en-US');

export async function run(): Promise<void> {
  const totalRows = rowsFromArguments(DEFAULT_ROWS, 2 * SMALL_ROWS);
  const log = (message: string) => console.log(`[bench] ${message}`);
  const started = nowMs();
  // Two connections: the bench's own cursor and exportStream runs, and the CPU and count queries.
  await withBenchDatabase(log, async ({ server, url, handle }) => {
    // The account exists before the console starts, so the launcher creates (and prints) no others.
    const email = 'export-bench@example.test';
    const password = 'export benchmark password';
    const admin = await createAccount(handle.db, { email, role: 'admin', password });
    const viewer: PersonViewer = { kind: 'person', ...admin };

    const fill = await fillHistory(handle.client, { rows: totalRows, ownerIds: [admin.id], smallTask: SMALL_TASK, smallRows: SMALL_ROWS }, log);
    const filters = {
      small: parseFilter({ task: SMALL_TASK }),
      all: parseFilter({}),
    };
    const sizes: ExportSize[] = [
      { key: 'small', params: { task: SMALL_TASK }, filter: filters.small },
      { key: 'all', params: {}, filter: filters.all },
    ];
    const expected = {
      small: await exportedRowCount(handle.client, viewer, filters.small),
      all: await exportedRowCount(handle.client, viewer, filters.all),
    };

    const port = await freePort();
    const app = await startConsole({ port, database: { ...server, url }, workerConcurrency: 1 });
    try {
      const cookie = await signIn(app.url, email, password, STALL_MS);
      const pid = listeningPid(port);
      // Backends are processes on this machine only when the server is the embedded one.
      const postgresCpu = async () => (server.embedded ? backendCpu(handle.client) : undefined);
      const benchCpuMs = () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      };

      // The sampler also reads the backends' CPU: an export's backend is gone by the time the
      // measurement ends (each export and each COPY has a connection of its own), so its CPU
      // counts up to its last sample.
      let window = { peak: 0, backends: new Map<number, number>() };
      const sampler = setInterval(() => {
        window.peak = Math.max(window.peak, rssMb(pid));
        const current = window;
        void postgresCpu().then((backends) => {
          for (const [backend, ms] of backends ?? []) current.backends.set(backend, Math.max(ms, current.backends.get(backend) ?? 0));
        }, () => {});
      }, SAMPLE_MS);
      try {
        const rssIdle = rssMb(pid);
        const measure = async (path: PathName, size: ExportSize): Promise<Measurement> => {
          window = { peak: rssMb(pid), backends: new Map() };
          const webCpuBefore = cpuMs(pid);
          const benchCpuBefore = benchCpuMs();
          const postgresBefore = await postgresCpu();
          const before = nowMs();
          const result = await exportBy(path, { baseUrl: app.url, cookie, params: size.params, client: handle.client, databaseUrl: url, viewer, filter: size.filter });
          const seconds = (nowMs() - before) / 1000;
          log(`${path}, ${count(expected[size.key])} rows: ${seconds.toFixed(1)} s`);
          const onServer = path === 'route' || path === 'routeGzip';
          const clientCpuMs = onServer ? cpuMs(pid) - webCpuBefore : benchCpuMs() - benchCpuBefore;
          const postgresAfter = await postgresCpu();
          if (postgresAfter) for (const [backend, ms] of window.backends) postgresAfter.set(backend, Math.max(ms, postgresAfter.get(backend) ?? 0));
          const postgresCpuMs = postgresBefore && postgresAfter ? backendCpuBetween(postgresBefore, postgresAfter) : Number.NaN;
          window.peak = Math.max(window.peak, rssMb(pid));
          if (result.rows !== undefined && result.rows !== expected[size.key]) {
            throw new Error(`${pathLabels[path]}: ${count(result.rows)} rows, expected ${count(expected[size.key])}.`);
          }
          return { seconds, rows: expected[size.key], bytes: result.bytes, clientCpuMs, postgresCpuMs, webRssPeakMb: window.peak };
        };

        // Warm-up: the route's first load and the pool's connections, with an export of no rows;
        // then the small export once by each path (JIT, page cache).
        await exportBy('route', { baseUrl: app.url, cookie, params: { task: 'no-such-task' }, client: handle.client, databaseUrl: url, viewer, filter: parseFilter({ task: 'no-such-task' }) });
        await sleep(1000);
        const rssBaseline = rssMb(pid);
        const paths: PathName[] = ['route', 'copy', 'routeGzip', 'inProcess', 'cursor'];
        for (const path of paths) await measure(path, sizes[0]!);

        // Each size in turn, small first (so that its peak is not the large export's leftover),
        // the paths alternating within each round.
        const results = new Map<string, Measurement[]>();
        for (const size of sizes) {
          for (let round = 0; round < ROUNDS; round++) {
            for (const path of paths) {
              const key = `${size.key}:${path}`;
              results.set(key, [...(results.get(key) ?? []), await measure(path, size)]);
            }
          }
        }
        const peakHwm = hwmMb(pid);

        const of = (size: 'small' | 'all', path: PathName) => results.get(`${size}:${path}`)!;
        const rowsPerSecond = (measurements: Measurement[]) => measurements.map((m) => m.rows / m.seconds);
        const seconds1 = (ms: number) => (Number.isNaN(ms) ? '–' : (ms / 1000).toFixed(1));
        console.log(
          `\nexport: ${ROUNDS} rounds per size, paths alternating, ${os.cpus().length} cores, ${server.embedded ? 'embedded ' : ''}PostgreSQL, ` +
            `one \`next start\` process (pid ${pid}); as admin, format=csv\n`,
        );
        printTable(
          ['rows', 'path', 'rows/s median (min–max)', 'MB', 'CPU s: encoder / Postgres', 'web RSS peak MB'],
          sizes.flatMap((size) =>
            paths.map((path) => {
              const measurements = of(size.key, path);
              const onServer = path === 'route' || path === 'routeGzip';
              return [
                count(expected[size.key]),
                pathLabels[path],
                medianRange(rowsPerSecond(measurements)),
                (median(measurements.map((m) => m.bytes)) / 1e6).toFixed(0),
                `${seconds1(median(measurements.map((m) => m.clientCpuMs)))} ${onServer ? 'web' : 'bench'} / ${seconds1(median(measurements.map((m) => m.postgresCpuMs)))}`,
                onServer ? String(Math.round(Math.max(...measurements.map((m) => m.webRssPeakMb)))) : '–',
              ];
            }),
          ),
        );

        const ours = median(rowsPerSecond(of('all', 'route')));
        const oursGzip = median(rowsPerSecond(of('all', 'routeGzip')));
        const copy = median(rowsPerSecond(of('all', 'copy')));
        const ratio = ours / copy;
        const ratioGzip = oursGzip / copy;
        const routePeak = (size: 'small' | 'all') => Math.max(...of(size, 'route').map((m) => m.webRssPeakMb), ...of(size, 'routeGzip').map((m) => m.webRssPeakMb));
        const peakSmall = routePeak('small');
        const peakAll = routePeak('all');
        const routeCpuUs = median(of('all', 'route').map((m) => (m.clientCpuMs * 1000) / m.rows));
        const inProcessCpuUs = median(of('all', 'inProcess').map((m) => (m.clientCpuMs * 1000) / m.rows));
        const cursorCpuUs = median(of('all', 'cursor').map((m) => (m.clientCpuMs * 1000) / m.rows));

        console.log(
          `\nfill: ${count(totalRows)} rows by INSERT … SELECT generate_series in ${fill.seconds.toFixed(1)} s, with the trigger jobs_publish_event ` +
            `disabled (ALTER TABLE jobs DISABLE TRIGGER, enabled again after), then VACUUM ANALYZE in ${fill.vacuumSeconds.toFixed(1)} s; table and indexes ${count(fill.megabytes)} MB`,
        );
        console.log(`sizes: ${count(expected.small)} rows (?task=${SMALL_TASK}, still a scan of every row) and ${count(expected.all)} rows (no filter)`);
        console.log(
          `web RSS: ${Math.round(rssIdle)} MB idle after sign-in, ${Math.round(rssBaseline)} MB after an empty export (baseline); peak ${Math.round(peakSmall)} MB ` +
            `while exporting ${count(expected.small)} rows, ${Math.round(peakAll)} MB while exporting ${count(expected.all)} (sampled every ${SAMPLE_MS} ms; ` +
            `VmHWM since start ${Math.round(peakHwm)} MB)`,
        );
        console.log(
          `CPU per row: web process ${routeCpuUs.toFixed(2)} µs (route, no compression: PostgreSQL writes the CSV, Node passes it on); ` +
            `bench process ${inProcessCpuUs.toFixed(2)} µs (exportStream), ${cursorCpuUs.toFixed(2)} µs (a cursor reading the same rows as objects, as JSON lines does)`,
        );
        console.log('rows are counted as CSV records (a line break inside quotes is not one) and checked against count(*) of the same query, except with gzip');
        console.log(`ours / COPY: ${ratio.toFixed(2)} uncompressed, ${ratioGzip.toFixed(2)} as a browser downloads it (gzip)`);
        console.log(
          `target: at least ${TARGET_RATIO} of COPY's rows/s: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'} uncompressed, ${ratioGzip >= TARGET_RATIO ? 'met' : 'NOT met'} with gzip; ` +
            `peak memory ${peakAll - rssBaseline <= 1.5 * Math.max(peakSmall - rssBaseline, 10) ? 'flat' : 'GROWS'} from ${count(expected.small)} to ${count(expected.all)} rows`,
        );
        console.log(`run time: ${((nowMs() - started) / 1000).toFixed(0)} s`);
        console.log(
          JSON.stringify({
            bench: 'export',
            rows: expected.all,
            ours_rows_s: Math.round(ours),
            ours_gzip_rows_s: Math.round(oursGzip),
            copy_rows_s: Math.round(copy),
            ratio: Number(ratio.toFixed(3)),
            ratio_gzip: Number(ratioGzip.toFixed(3)),
            in_process_rows_s: Math.round(median(rowsPerSecond(of('all', 'inProcess')))),
            cursor_rows_s: Math.round(median(rowsPerSecond(of('all', 'cursor')))),
            rss_mb_baseline: Math.round(rssBaseline),
            rss_mb_peak: Math.round(peakAll),
            small_rows: expected.small,
            rss_mb_peak_small: Math.round(peakSmall),
            mb: Math.round(median(of('all', 'route').map((m) => m.bytes)) / 1e6),
            rounds: ROUNDS,
          }),
        );
      } finally {
        clearInterval(sampler);
      }
    } finally {
      await app.stop();
    }
  });
}

function parseFilter(params: Record<string, string>): JobFilter {
  const parsed = parseJobFilter(params, false);
  if (!parsed.success) throw new Error(`Bad filter ${JSON.stringify(params)}.`);
  return parsed.data;
}

type Client = ReturnType<typeof createDb>['client'];

async function exportedRowCount(client: Client, viewer: PersonViewer, filter: JobFilter): Promise<number> {
  const { text, params } = exportQuery(viewer, filter, 'csv');
  const [row] = await client.unsafe<{ n: string }[]>(`select count(*)::text as n from (${text}) as exported`, params as never[]);
  return Number(row!.n);
}

interface ExportContext {
  baseUrl: string;
  cookie: string;
  params: Record<string, string>;
  client: Client;
  databaseUrl: string;
  viewer: PersonViewer;
  filter: JobFilter;
}

/** Runs one export by one path, reading everything; `rows` is undefined where they cannot be counted (gzip). */
async function exportBy(path: PathName, context: ExportContext): Promise<{ bytes: number; rows?: number }> {
  const lines = new CsvRecordCounter();
  switch (path) {
    case 'route':
    case 'routeGzip': {
      const query = new URLSearchParams({ format: 'csv', ...context.params });
      const encoding = await download(`${context.baseUrl}/api/jobs/export?${query}`, context.cookie, path === 'routeGzip' ? BROWSER_ACCEPT_ENCODING : undefined, lines);
      if (path === 'routeGzip') {
        if (encoding !== 'gzip' && encoding !== 'br') throw new Error(`The route answered a browser's request with content-encoding ${encoding ?? 'none'}.`);
        return { bytes: lines.bytes };
      }
      if (encoding) throw new Error(`The route compressed (${encoding}) a request that did not ask for it.`);
      return { bytes: lines.bytes, rows: lines.records - 1 };
    }
    case 'copy': {
      // A connection of its own each time, as the route's: postgres.js can leave one paused after a COPY.
      const connection = postgres(context.databaseUrl, { max: 1, onnotice: () => {}, connection: { application_name: 'jobs-console-bench-copy', standard_conforming_strings: 'on' } });
      try {
        const stream = await connection.unsafe(exportCopyStatement(context.viewer, context.filter)).readable();
        for await (const chunk of stream) lines.add(chunk as Buffer);
      } finally {
        await connection.end({ timeout: 0 });
      }
      return { bytes: lines.bytes, rows: lines.records - 1 };
    }
    case 'inProcess': {
      const reader = exportStream({ databaseUrl: context.databaseUrl, viewer: context.viewer, filter: context.filter, format: 'csv' }).getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) lines.add(next.value);
      return { bytes: lines.bytes, rows: lines.records - 1 };
    }
    case 'cursor': {
      const { text, params } = exportQuery(context.viewer, context.filter, 'csv');
      let rows = 0;
      for await (const batch of context.client.unsafe(text, params as never[]).cursor(1000)) rows += batch.length;
      return { bytes: 0, rows };
    }
  }
}

/** GETs a URL, passing the body to `lines`; resolves with the response's content-encoding once it ended complete. */
function download(url: string, cookie: string, acceptEncoding: string | undefined, lines: CsvRecordCounter): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { cookie };
    if (acceptEncoding) headers['accept-encoding'] = acceptEncoding;
    const request = http.get(url, { headers, agent: false }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`GET ${url} answered ${response.statusCode}.`));
        return;
      }
      response.on('data', (chunk: Buffer) => lines.add(chunk));
      response.on('error', reject);
      response.on('close', () => {
        if (response.complete) resolve(response.headers['content-encoding']);
        else reject(new Error(`GET ${url} ended early.`));
      });
    });
    request.on('error', reject);
    // A stalled export fails the bench instead of hanging it.
    request.setTimeout(STALL_MS, () => request.destroy(new Error(`GET ${url} sent nothing for ${STALL_MS / 1000} s.`)));
  });
}

/** CPU ms of each of this database's backends now (the web pool's included), by pid. */
async function backendCpu(client: Client): Promise<Map<number, number>> {
  const rows = await client<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()`;
  return new Map(rows.map((row) => [row.pid, cpuMs(row.pid)]));
}

/** CPU the backends used between two snapshots; one that started in between counts from zero. */
function backendCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

