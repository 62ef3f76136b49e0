import { parse } from 'csv-parse/sync';
import { eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { requireDatabaseUrl } from '@/lib/env';
import { auditEvents, jobs } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { exportColumns, exportStream, inlineParameters, type ExportFormat } from './export';
import { jobFilterSchema, type JobFilter } from './filters';
import type { PersonViewer, Viewer } from './viewer';

setUpTestDatabase();

let userA: PersonViewer;
let userB: PersonViewer;
let admin: PersonViewer;
let auditor: PersonViewer;
const ids = {} as Record<'aDone' | 'aCleared' | 'aFailed' | 'bDone' | 'cliHostile', number>;

const hostile = {
  title: "=HYPERLINK(\"http://evil.example\",\"click\")",
  message: '+1, "quoted", and\na new line',
  error: '-2+3',
  osUser: '@admin',
  tab: '\tTab first',
  cr: '\rCarriage first',
};

beforeAll(async () => {
  userA = await createTestUser('user', 'a');
  userB = await createTestUser('user', 'b');
  admin = await createTestUser('admin');
  auditor = await createTestUser('auditor');
  const base = { task: 'long-running', origin: 'web' as const, startedAt: new Date('2026-11-20T10:00:00Z'), finishedAt: new Date('2026-11-20T10:00:02.5Z') };
  const insert = async (values: Partial<typeof jobs.$inferInsert>) => {
    const [row] = await getDb()
      .insert(jobs)
      .values({ ...base, title: 'A job', status: 'completed', ...values } as typeof jobs.$inferInsert)
      .returning({ id: jobs.id });
    return row!.id;
  };
  ids.aDone = await insert({ ownerId: userA.id, message: 'Done.' });
  ids.aCleared = await insert({ ownerId: userA.id, clearedAt: new Date() });
  ids.aFailed = await insert({ ownerId: userA.id, task: 'failing', status: 'failed', error: 'Broke' });
  ids.bDone = await insert({ ownerId: userB.id });
  ids.cliHostile = await insert({
    origin: 'cli',
    ownerId: null,
    osUser: hostile.osUser,
    title: hostile.title,
    message: hostile.message,
    error: hostile.error,
    relatedUrl: hostile.tab,
    queue: hostile.cr,
  });
});

async function exported(viewer: Viewer, filter: Partial<JobFilter> = {}, format: ExportFormat = 'csv') {
  let done: { rows: number; complete: boolean } | undefined;
  const stream = exportStream({
    databaseUrl: requireDatabaseUrl(),
    viewer,
    filter: jobFilterSchema.parse(filter),
    format,
    onDone: (rows, complete) => {
      done = { rows, complete };
    },
  });
  const text = await new Response(stream).text();
  return { text, done };
}

const csvIds = (text: string) => (parse(text, { columns: true }) as Record<string, string>[]).map((row) => Number(row.id)).sort((x, y) => x - y);
const sorted = (...values: number[]) => [...values].sort((x, y) => x - y);

describe('the history export', () => {
  it('gives each role exactly what it may see: users their own listed jobs, admins and auditors all, cleared ones too', async () => {
    expect(csvIds((await exported(userA)).text)).toEqual(sorted(ids.aDone, ids.aFailed));
    expect(csvIds((await exported(userB)).text)).toEqual([ids.bDone]);
    const everything = sorted(...Object.values(ids));
    expect(csvIds((await exported(admin)).text)).toEqual(everything);
    expect(csvIds((await exported(auditor)).text)).toEqual(everything);
    const cleared = (parse((await exported(auditor)).text, { columns: true }) as Record<string, string>[]).find((row) => Number(row.id) === ids.aCleared)!;
    expect(cleared.clearedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('starts with AtoM’s columns, in order, and writes ISO 8601 dates with their zone', async () => {
    const { text, done } = await exported(userA);
    expect(text.split('\n')[0]).toBe(exportColumns.join(','));
    expect(exportColumns.slice(0, 6)).toEqual(['startDate', 'endDate', 'jobName', 'jobStatus', 'jobInfo', 'jobUser']);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const done_ = rows.find((row) => Number(row.id) === ids.aDone)!;
    expect(done_).toMatchObject({ endDate: '2026-11-20T10:00:02.500Z', jobStatus: 'completed', jobInfo: 'Done.', jobUser: userA.email, durationSeconds: '2.5' });
    expect(done).toEqual({ rows: 2, complete: true });
  });

  it('neutralises every dangerous leading character, and commas, quotes and newlines round-trip', async () => {
    const { text, done } = await exported(admin);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    // The message's line break is inside a quoted field: still five rows, counted as five.
    expect(rows).toHaveLength(5);
    expect(done).toEqual({ rows: 5, complete: true });
    const row = rows.find((candidate) => Number(candidate.id) === ids.cliHostile)!;
    expect(row.jobName).toBe(`'${hostile.title}`);
    expect(row.jobInfo).toBe(`'${hostile.message}`);
    expect(row.errorMessage).toBe(`'${hostile.error}`);
    expect(row.jobUser).toBe(`'${hostile.osUser} (cli)`);
    expect(row.relatedUrl).toBe(`'${hostile.tab}`);
    expect(row.queue).toBe(`'${hostile.cr}`);
  });

  it('writes the same rows as JSON lines, unneutralised (JSON is not a spreadsheet)', async () => {
    const { text } = await exported(admin, {}, 'jsonl');
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.id)).toEqual(sorted(...Object.values(ids)).reverse());
    expect(lines.find((line) => line.id === ids.cliHostile)).toMatchObject({ jobName: hostile.title, jobInfo: hostile.message, jobUser: `${hostile.osUser} (cli)` });
    expect(Object.keys(lines[0]!)).toEqual([...exportColumns]);
  });

  it('honours the view’s filter', async () => {
    expect(csvIds((await exported(admin, { tab: 'failed', task: 'failing' })).text)).toEqual([ids.aFailed]);
    expect(csvIds((await exported(admin, { user: userB.email })).text)).toEqual([ids.bDone]);
    expect(csvIds((await exported(admin, { q: 'HYPERLINK' })).text)).toEqual([ids.cliHostile]);
    expect(csvIds((await exported(admin, { origin: 'cli' })).text)).toEqual([ids.cliHostile]);
  });

  it('writes filter text into its COPY as plain string literals, whatever the text holds', async () => {
    for (const q of ["'; drop table jobs; --", "x' or 'a'='a", "\\' or true --", '$1 $$ $2', 'HYPERLINK("http']) {
      const { text, done } = await exported(admin, { q });
      expect([q, csvIds(text)]).toEqual([q, q === 'HYPERLINK("http' ? [ids.cliHostile] : []]);
      expect(done?.complete).toBe(true);
    }
    expect(await getDb().$count(jobs)).toBeGreaterThanOrEqual(5);
    expect(() => inlineParameters('select $1', ['a\0b'])).toThrow('NUL');
    expect(jobFilterSchema.safeParse({ q: 'a\0b' }).success).toBe(false);
  });
});

describe('the audit trail', () => {
  it('refuses UPDATE and DELETE, even from the app’s own role', async () => {
    await getDb().insert(auditEvents).values({ actorLabel: 'test', actorRole: 'cli', action: 'test.row', origin: 'cli' });
    const refusal = (attempt: Promise<unknown>) =>
      attempt.then(
        () => 'allowed',
        (error: Error & { cause?: Error }) => (error.cause ?? error).message,
      );
    expect(await refusal(getDb().update(auditEvents).set({ action: 'rewritten' }).where(eq(auditEvents.action, 'test.row')))).toBe('audit_events is append-only: UPDATE is not allowed');
    expect(await refusal(getDb().delete(auditEvents).where(eq(auditEvents.action, 'test.row')))).toBe('audit_events is append-only: DELETE is not allowed');
    expect(await refusal(getDb().execute(sql`truncate audit_events`))).toBe('audit_events is append-only: TRUNCATE is not allowed');
    expect(await getDb().$count(auditEvents, inArray(auditEvents.action, ['test.row']))).toBe(1);
  });
});

describe('a larger export', () => {
  let owner: PersonViewer;
  const exportConnections = async () =>
    Number((await getDb().execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where application_name = 'jobs-console-export'`))[0]!.n);

  beforeAll(async () => {
    owner = await createTestUser('user', 'many');
    await getDb().execute(sql`
      insert into jobs (task, title, status, origin, owner_id, message)
      select 'long-running', 'Job ' || n, 'completed', 'web', ${owner.id}::uuid, 'Line one, "quoted"' || chr(10) || 'line two' from generate_series(1, 2500) as n`);
  });

  it('streams 2,500 rows as JSON lines (three cursor batches) and as CSV, counts them all and closes its connection', async () => {
    const jsonl = await exported(owner, {}, 'jsonl');
    expect(jsonl.text.trimEnd().split('\n')).toHaveLength(2500);
    expect(jsonl.done).toEqual({ rows: 2500, complete: true });
    const csv = await exported(owner);
    expect(parse(csv.text, { columns: true })).toHaveLength(2500);
    expect(csv.done).toEqual({ rows: 2500, complete: true });
    await expect.poll(exportConnections, { timeout: 5000 }).toBe(0);
  });

  it('stops its query and says so when the reader goes away midway', async () => {
    let done: { rows: number; complete: boolean } | undefined;
    const reader = exportStream({
      databaseUrl: requireDatabaseUrl(),
      viewer: owner,
      filter: jobFilterSchema.parse({}),
      format: 'csv',
      onDone: (rows, complete) => {
        done = { rows, complete };
      },
    }).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
    expect(done?.complete).toBe(false);
    expect(done!.rows).toBeGreaterThan(0);
    expect(done!.rows).toBeLessThan(2500);
    // The connection is closed at once; its backend notices and exits a moment later.
    await expect.poll(exportConnections, { timeout: 5000 }).toBe(0);
  });
});
