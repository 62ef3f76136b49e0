import http from 'node:http';
import os from 'node:os';
import { z } from 'zod';
import { createDb } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { ensureDatabaseServer } from '@/db/server';
import { exportQuery, exportStream } from '@/jobs/export';
import { parseJobFilter, type JobFilter } from '@/jobs/filters';
import type { PersonViewer } from '@/jobs/viewer';
import { createAccount } from '@/lib/accounts';
import { provideDatabaseUrl } from '@/lib/env';
import { startConsole } from '@/scripts/launcher';
import { createDatabase, dropDatabases, uniqueDatabaseName } from '@/test/databases';
import { cpuMs, freePort, hwmMb, listeningPid, nowMs, rssMb, signIn, sleep } from './processes';
import { median, medianRange, printTable } from './stats';

/**
 * History export: `GET /api/jobs/export?format=csv` of the real console (production build, one
 * `next start`), signed in as an admin, next to `COPY (<the same query>) TO STDOUT WITH (FORMAT csv,
 * HEADER)` in the same run, on a fresh database filled with generated history and dropped at the
 * end. Also, to show where the time goes: the same `exportStream` read in the bench process (no Next,
 * no HTTP), and the bare postgres.js cursor of the query (no encoding). The web process's RSS is
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
/** Rows per INSERT … SELECT while filling, so that progress shows and no transaction is huge. */
const FILL_CHUNK = 500_000;
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

/** `--rows N` (underscores and commas allowed), DEFAULT_ROWS without it. */
function rowsFromArguments(): number {
  const args = process.argv.slice(3);
  const index = args.findIndex((arg) => arg === '--rows' || arg.startsWith('--rows='));
  if (index === -1) return DEFAULT_ROWS;
  const raw = args[index]!.includes('=') ? args[index]!.slice('--rows='.length) : args[index + 1];
  const parsed = z.coerce
    .number()
    .int()
    .min(2 * SMALL_ROWS)
    .max(100_000_000)
    .safeParse(raw?.replace(/[_,]/g, ''));
  if (!parsed.success) {
    console.error(`--rows takes a whole number from ${count(2 * SMALL_ROWS)} to 100,000,000 (got ${raw ?? 'nothing'}).`);
    process.exit(2);
  }
  return parsed.data;
}

export async function run(): Promise<void> {
  const totalRows = rowsFromArguments();
  const log = (message: string) => console.log(`[bench] ${message}`);
  const started = nowMs();
  const server = await ensureDatabaseServer(log);
  const name = uniqueDatabaseName('jobs_bench');
  const url = await createDatabase(server.adminUrl, name);
  // Two connections: the bench's own cursor and exportStream runs, and the CPU and count queries.
  const handle = createDb(url, { max: 2, applicationName: 'jobs-console-bench' });
  const copyHandle = createDb(url, { max: 1, applicationName: 'jobs-console-bench-copy' });
  try {
    provideDatabaseUrl(url);
    await migrateDatabase(url);
    // The account exists before the console starts, so the launcher creates (and prints) no others.
    const email = 'export-bench@example.test';
    const password = 'export benchmark password';
    const admin = await createAccount(handle.db, { email, role: 'admin', password });
    const viewer: PersonViewer = { kind: 'person', ...admin };

    const fill = await fillHistory(handle.client, totalRows, admin.id, log);
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

      let window = { peak: 0 };
      const sampler = setInterval(() => {
        window.peak = Math.max(window.peak, rssMb(pid));
      }, SAMPLE_MS);
      try {
        const rssIdle = rssMb(pid);
        const measure = async (path: PathName, size: ExportSize): Promise<Measurement> => {
          window = { peak: rssMb(pid) };
          const webCpuBefore = cpuMs(pid);
          const benchCpuBefore = benchCpuMs();
          const postgresBefore = await postgresCpu();
          const before = nowMs();
          const result = await exportBy(path, { baseUrl: app.url, cookie, params: size.params, client: handle.client, copyClient: copyHandle.client, viewer, filter: size.filter });
          const seconds = (nowMs() - before) / 1000;
          log(`${path}, ${count(expected[size.key])} rows: ${seconds.toFixed(1)} s`);
          const onServer = path === 'route' || path === 'routeGzip';
          const clientCpuMs = onServer ? cpuMs(pid) - webCpuBefore : benchCpuMs() - benchCpuBefore;
          const postgresAfter = await postgresCpu();
          const postgresCpuMs = postgresBefore && postgresAfter ? backendCpuBetween(postgresBefore, postgresAfter) : Number.NaN;
          window.peak = Math.max(window.peak, rssMb(pid));
          if (result.rows !== undefined && result.rows !== expected[size.key]) {
            throw new Error(`${pathLabels[path]}: ${count(result.rows)} rows, expected ${count(expected[size.key])}.`);
          }
          return { seconds, rows: expected[size.key], bytes: result.bytes, clientCpuMs, postgresCpuMs, webRssPeakMb: window.peak };
        };

        // Warm-up: the route's first load and the pool's connections, with an export of no rows;
        // then the small export once by each path (JIT, page cache).
        await exportBy('route', { baseUrl: app.url, cookie, params: { task: 'no-such-task' }, client: handle.client, copyClient: copyHandle.client, viewer, filter: parseFilter({ task: 'no-such-task' }) });
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
          `CPU per row: web process ${routeCpuUs.toFixed(2)} µs (route, no compression); bench process ${inProcessCpuUs.toFixed(2)} µs (exportStream), ` +
            `${cursorCpuUs.toFixed(2)} µs (cursor alone), so CSV encoding costs about ${(inProcessCpuUs - cursorCpuUs).toFixed(2)} µs a row`,
        );
        console.log('rows are counted by line breaks (the generated text has none inside), and checked against count(*) of the same query, except with gzip');
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
  } finally {
    await copyHandle.close();
    await handle.close();
    await dropDatabases(server.adminUrl, [name]);
    await server.release();
  }
}

function parseFilter(params: Record<string, string>): JobFilter {
  const parsed = parseJobFilter(params, false);
  if (!parsed.success) throw new Error(`Bad filter ${JSON.stringify(params)}.`);
  return parsed.data;
}

type Client = ReturnType<typeof createDb>['client'];

/**
 * Fills `jobs` with generated history, newest last: ended jobs over the last 50 days (inside the
 * retention period, so prune-history leaves them), owned by the admin or from the command line,
 * text with commas and quotes, a few cells a spreadsheet would run as formulas, some cleared.
 * The NOTIFY-per-row trigger is off meanwhile: a million notifications would only fill the queue.
 */
async function fillHistory(client: Client, rows: number, ownerId: string, log: (message: string) => void) {
  const step = Math.floor(rows / SMALL_ROWS);
  const started = nowMs();
  await client`alter table jobs disable trigger jobs_publish_event`;
  for (let first = 1; first <= rows; first += FILL_CHUNK) {
    const last = Math.min(rows, first + FILL_CHUNK - 1);
    await client`
      insert into jobs (task, title, status, priority, queue, payload, origin, owner_id, os_user, related_url,
                        progress, message, warnings, errors, attempts, max_attempts, created_at, run_at,
                        started_at, finished_at, updated_at, error, cleared_at, cleared_by)
      select task, title, status::job_status, priority::job_priority, queue, jsonb_build_object('batch', i % 1000),
             origin::job_origin, case when origin = 'cli' then null else ${ownerId}::uuid end,
             case when origin = 'cli' then 'deploy' end,
             case when i % 4 = 0 then 'https://archive.example.test/descriptions/' || i end,
             1, message, warnings, errors, attempts, 3, created, created, started, finished,
             coalesce(finished, created), error,
             case when i % 25 = 3 then finished + interval '1 day' end,
             case when i % 25 = 3 then ${ownerId}::uuid end
      from (
        select i, t.task, t.status, t.origin, t.created,
               (array['normal', 'normal', 'normal', 'high', 'low', 'critical'])[1 + i % 6] as priority,
               case when i % 9 = 0 then 'reports' else 'default' end as queue,
               format((array['Import accessions, batch %s', 'Rebuild the search index (part %s)', 'Finding aid "Fonds %s"',
                             'Nightly history report %s', 'Export descriptions %s to EAD'])[1 + i % 5], i) as title,
               case
                 when i % 97 = 0 then '=HYPERLINK("http://example.test/' || i || '")'
                 when t.status = 'failed' then format('Stopped at record %s: "%s" has no date, so it was skipped', i % 5000, 'Accession ' || i)
                 when t.status = 'cancelled' then 'Cancelled by export-bench@example.test'
                 else format('Processed %s records, %s skipped', 1 + i % 5000, i % 3)
               end as message,
               case when i % 7 = 0 then i % 4 else 0 end as warnings,
               case when t.status = 'failed' then 1 + i % 3 else 0 end as errors,
               case when t.status = 'failed' then 3 else 1 end as attempts,
               case when t.status = 'failed' then format('TypeError: cannot read "date" of record %s, field %s', i, i % 40) end as error,
               case when t.status = 'cancelled' and i % 2 = 0 then null else t.created + interval '2 seconds' end as started,
               t.created + interval '2 seconds' + (i % 600000) * interval '1 millisecond' as finished
        from (
          select i,
                 case when i % ${step} = 0 then ${SMALL_TASK}
                      else (array['long-running', 'csv-import-check', 'bulk-action', 'failing', 'queue-maintenance'])[1 + i % 5] end as task,
                 case when i % 20 in (1, 11) then 'failed' when i % 20 = 5 then 'cancelled' else 'completed' end as status,
                 case when i % 10 = 7 then 'cli' when i % 10 = 8 then 'schedule' else 'web' end as origin,
                 now() - interval '50 days' + (i::float8 / ${rows}) * interval '50 days' as created
          from generate_series(${first}::bigint, ${last}::bigint) as i
        ) t
      ) generated`;
    log(`filled ${count(last)} of ${count(rows)} rows (${((nowMs() - started) / 1000).toFixed(0)} s)`);
  }
  await client`alter table jobs enable trigger jobs_publish_event`;
  const seconds = (nowMs() - started) / 1000;
  const vacuumStarted = nowMs();
  // VACUUM as well as ANALYZE: it sets the hint bits, so the first export does not write the table.
  await client`vacuum (analyze) jobs`;
  const vacuumSeconds = (nowMs() - vacuumStarted) / 1000;
  const [size] = await client<{ bytes: string }[]>`select pg_total_relation_size('jobs')::text as bytes`;
  return { seconds, vacuumSeconds, megabytes: Number(size!.bytes) / 1e6 };
}

async function exportedRowCount(client: Client, viewer: PersonViewer, filter: JobFilter): Promise<number> {
  const { text, params } = exportQuery(viewer, filter);
  const [row] = await client.unsafe<{ n: string }[]>(`select count(*)::text as n from (${text}) as exported`, params as never[]);
  return Number(row!.n);
}

/**
 * The export's query with its parameters written in as literals, for COPY, which takes none. Only
 * strings, numbers and booleans occur in its parameters; strings are quoted the standard way
 * (standard_conforming_strings is on by default since PostgreSQL 9.1).
 */
function inlineParameters(text: string, params: unknown[]): string {
  const literal = (value: unknown): string => {
    if (value === null) return 'null';
    if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return String(value);
    if (value instanceof Date) return literal(value.toISOString());
    throw new Error(`No literal for the parameter ${String(value)}.`);
  };
  return text.replace(/\$(\d+)\b/g, (_, position: string) => literal(params[Number(position) - 1]));
}

interface ExportContext {
  baseUrl: string;
  cookie: string;
  params: Record<string, string>;
  client: Client;
  copyClient: Client;
  viewer: PersonViewer;
  filter: JobFilter;
}

/** Runs one export by one path, reading everything; `rows` is undefined where they cannot be counted (gzip). */
async function exportBy(path: PathName, context: ExportContext): Promise<{ bytes: number; rows?: number }> {
  const lines = new LineCounter();
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
      return { bytes: lines.bytes, rows: lines.newlines - 1 };
    }
    case 'copy': {
      const { text, params } = exportQuery(context.viewer, context.filter);
      const stream = await context.copyClient.unsafe(`copy (${inlineParameters(text, params)}) to stdout with (format csv, header)`).readable();
      for await (const chunk of stream) lines.add(chunk as Buffer);
      return { bytes: lines.bytes, rows: lines.newlines - 1 };
    }
    case 'inProcess': {
      const reader = exportStream({ client: context.client, viewer: context.viewer, filter: context.filter, format: 'csv' }).getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) lines.add(next.value);
      return { bytes: lines.bytes, rows: lines.newlines - 1 };
    }
    case 'cursor': {
      const { text, params } = exportQuery(context.viewer, context.filter);
      let rows = 0;
      for await (const batch of context.client.unsafe(text, params as never[]).cursor(1000)) rows += batch.length;
      return { bytes: 0, rows };
    }
  }
}

/** Bytes and line feeds of a stream, counted with memchr-speed `indexOf`. */
class LineCounter {
  bytes = 0;
  newlines = 0;

  add(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.newlines++;
  }
}

/** GETs a URL, passing the body to `lines`; resolves with the response's content-encoding once it ended complete. */
function download(url: string, cookie: string, acceptEncoding: string | undefined, lines: LineCounter): Promise<string | undefined> {
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

