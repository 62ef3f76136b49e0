import os from 'node:os';
import { sql } from 'drizzle-orm';
import { users } from '@/db/schema';
import { rollUpJobStats } from '@/jobs/stats';
import { createAccount } from '@/lib/accounts';
import { startConsole } from '@/scripts/launcher';
import { withBenchDatabase } from './database';
import { fillHistory, rowsFromArguments } from './history';
import { freePort, nowMs, signIn } from './processes';
import { median, percentile, printTable } from './stats';

/**
 * The pages at scale: the jobs page (first page, a deep page, the Failed tab, a words search, a task
 * filter) for a user and for an admin, and the admin dashboard, served by the real console
 * (production build, one `next start`) over a fresh database filled with generated history and
 * dropped at the end. Each view is requested REQUESTS times, the views taking turns, after WARMUP
 * requests each; the time is the whole response (HTML streamed to its end), measured by the client
 * on the same machine. Target: p95 under 100 ms at 10 million jobs.
 *
 * `npm run bench -- pages` runs on 1,000,000 jobs (a few minutes once built);
 * `npm run bench -- pages --rows 10000000` on ten million (about half an hour, 5 GB of disk).
 */

const DEFAULT_ROWS = 1_000_000;
/** Owners the history is spread over: the user's view holds about 1 / (USERS + 1) of the web jobs. */
const USERS = 50;
const REQUESTS = 30;
const WARMUP = 3;
const TARGET_P95_MS = 100;
const STALL_MS = 60_000;

interface View {
  name: string;
  who: 'user' | 'admin';
  path: string;
}

export async function run(): Promise<void> {
  const rows = rowsFromArguments(DEFAULT_ROWS, 10_000);
  const log = (message: string) => console.log(`[bench] ${message}`);
  const started = nowMs();
  await withBenchDatabase(log, async ({ server, url, handle }) => {
    const password = 'pages benchmark password';
    const admin = await createAccount(handle.db, { email: 'pages-admin@example.test', role: 'admin', password });
    const user = await createAccount(handle.db, { email: 'pages-user@example.test', role: 'user', password });
    // The other owners need no password that works: they only own history.
    const others = await handle.db
      .insert(users)
      .values(Array.from({ length: USERS - 1 }, (_, i) => ({ email: `owner-${i}@example.test`, role: 'user' as const, passwordHash: 'not-a-hash' })))
      .returning({ id: users.id });

    const fillStarted = nowMs();
    await fillHistory(handle.client, { rows, ownerIds: [user.id, admin.id, ...others.map((row) => row.id)], smallTask: 'history-report', smallRows: Math.min(100_000, rows / 2) }, log);
    const fillSeconds = (nowMs() - fillStarted) / 1000;
    const rollupStarted = nowMs();
    await rollUpJobStats(handle.db);
    const rollupSeconds = (nowMs() - rollupStarted) / 1000;
    log(`filled ${rows.toLocaleString('en-US')} jobs in ${fillSeconds.toFixed(0)} s; first roll-up of the last 8 days in ${rollupSeconds.toFixed(1)} s`);

    // A deep page: the keyset cursor half-way down each viewer's list.
    const middle = async (ownerId: string | null) => {
      const [row] = await handle.db.execute<{ id: string }>(sql`
        select id::text from jobs where cleared_at is null ${ownerId ? sql`and owner_id = ${ownerId}::uuid` : sql``}
        order by id desc offset (select count(*) / 2 from jobs where cleared_at is null ${ownerId ? sql`and owner_id = ${ownerId}::uuid` : sql``}) limit 1`);
      return row!.id;
    };
    const [userMiddle, adminMiddle] = await Promise.all([middle(user.id), middle(null)]);
    const [userJobs] = await handle.db.execute<{ n: number }>(sql`select count(*)::int as n from jobs where owner_id = ${user.id}::uuid and cleared_at is null`);

    const views: View[] = [];
    for (const who of ['user', 'admin'] as const) {
      views.push(
        { name: 'jobs, first page', who, path: '/jobs' },
        { name: 'jobs, deep page (half-way)', who, path: `/jobs?after=${who === 'user' ? userMiddle : adminMiddle}` },
        { name: 'jobs, Failed tab', who, path: '/jobs?tab=failed' },
        { name: 'jobs, words "Fonds 4242"', who, path: '/jobs?q=Fonds+4242' },
        { name: 'jobs, task filter (history-report)', who, path: '/jobs?task=history-report' },
      );
    }
    views.push({ name: 'dashboard', who: 'admin', path: '/dashboard' });

    const port = await freePort();
    const app = await startConsole({ port, database: { ...server, url }, workerConcurrency: 1 });
    try {
      const cookies = {
        user: await signIn(app.url, 'pages-user@example.test', password, STALL_MS),
        admin: await signIn(app.url, 'pages-admin@example.test', password, STALL_MS),
      };
      const get = async (view: View) => {
        const before = nowMs();
        const response = await fetch(`${app.url}${view.path}`, { headers: { cookie: cookies[view.who] }, redirect: 'manual', signal: AbortSignal.timeout(STALL_MS) });
        const body = await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${view.who} ${view.path} answered ${response.status}.`);
        return { ms: nowMs() - before, bytes: body.byteLength };
      };
      for (const view of views) for (let i = 0; i < WARMUP; i++) await get(view);
      const times = new Map<View, number[]>(views.map((view) => [view, []]));
      const sizes = new Map<View, number>();
      for (let round = 0; round < REQUESTS; round++) {
        for (const view of views) {
          const { ms, bytes } = await get(view);
          times.get(view)!.push(ms);
          sizes.set(view, bytes);
        }
      }

      console.log(
        `\npages: ${rows.toLocaleString('en-US')} jobs (the user owns ${userJobs!.n.toLocaleString('en-US')} listed), ${REQUESTS} requests per view after ${WARMUP} warm-up, views taking turns; ` +
          `${os.cpus().length} cores, ${server.embedded ? 'embedded ' : ''}PostgreSQL, one \`next start\`\n`,
      );
      printTable(
        ['who', 'view', 'median ms', 'p95 ms', 'min–max ms', 'kB'],
        views.map((view) => {
          const list = times.get(view)!;
          return [view.who, view.name, median(list).toFixed(1), percentile(list, 0.95).toFixed(1), `${Math.min(...list).toFixed(1)}–${Math.max(...list).toFixed(1)}`, (sizes.get(view)! / 1000).toFixed(0)];
        }),
      );
      const worst = Math.max(...views.map((view) => percentile(times.get(view)!, 0.95)));
      console.log(`\nworst p95: ${worst.toFixed(1)} ms; target under ${TARGET_P95_MS} ms: ${worst < TARGET_P95_MS ? 'met' : 'NOT met'}`);
      console.log(`run time: ${((nowMs() - started) / 1000).toFixed(0)} s`);
      console.log(
        JSON.stringify({
          bench: 'pages',
          rows,
          user_listed_jobs: userJobs!.n,
          views: views.map((view) => ({ who: view.who, view: view.name, median_ms: Number(median(times.get(view)!).toFixed(1)), p95_ms: Number(percentile(times.get(view)!, 0.95).toFixed(1)) })),
          worst_p95_ms: Number(worst.toFixed(1)),
          fill_s: Math.round(fillSeconds),
          rollup_s: Number(rollupSeconds.toFixed(1)),
        }),
      );
    } finally {
      await app.stop();
    }
  });
}
