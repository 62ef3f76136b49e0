import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { jobs, jobSecrets, schedules } from '@/db/schema';
import { requireDatabaseUrl } from '@/lib/env';
import { createTestUser, jobLogLines, jobRow, waitForJobStatus } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { findTask } from './catalogue';
import { retryJob } from './control';
import { exportStream } from './export';
import { jobFilterSchema } from './filters';
import { launchJob } from './launch';
import { getJobForViewer, listJobsForViewer } from './queries';
import { createSchedule } from './schedules';
import { redactJson, redactorFor, SECRET_MASK, secretFieldsOf, splitSecrets } from './secrets';
import { taskArgumentSummaries, taskFormFields } from './task-form';
import type { PersonViewer } from './viewer';
import { startWorker, type RunningWorker } from './worker/start-worker';

const databaseUrl = setUpTestDatabase();
const web = { origin: 'web' as const };

/** Every table row (our tables and graphile-worker's) whose text holds `needle`, as `schema.table` names. */
async function tablesHolding(needle: string): Promise<string[]> {
  const tables = await getDb().execute<{ name: string }>(sql`
    select format('%I.%I', table_schema, table_name) as name from information_schema.tables
    where table_schema in ('public', 'graphile_worker') and table_type = 'BASE TABLE' order by 1`);
  const found: string[] = [];
  for (const { name } of tables) {
    const [row] = await getDb().execute<{ n: number }>(sql.raw(`select count(*)::int as n from ${name} t where t::text like '%${needle}%'`));
    if (row!.n > 0) found.push(name);
  }
  return found;
}

describe('secret fields of a schema', () => {
  const failing = findTask('failing')!;

  it('are named by the schema, split off with the mask in their place, and joined back', () => {
    expect(secretFieldsOf(failing)).toEqual(['secret']);
    expect(secretFieldsOf(findTask('long-running')!)).toEqual([]);
    expect(splitSecrets(failing, { message: 'm', secret: 's3' })).toEqual({ shown: { message: 'm', secret: SECRET_MASK }, secrets: { secret: 's3' } });
    expect(splitSecrets(failing, { message: 'm' })).toEqual({ shown: { message: 'm' }, secrets: null });
  });

  it('are a password field on the launch form and say so in the catalogue', () => {
    expect(taskFormFields(failing).find((field) => field.name === 'secret')).toMatchObject({ kind: 'secret', required: false });
    expect(taskArgumentSummaries(failing).find((field) => field.name === 'secret')?.type).toBe('secret text, shown as ••••');
  });

  it('are masked wherever their values occur, the longest value first, in text and in JSON', () => {
    const redact = redactorFor({ a: 'abc', b: 'abcdef', n: 12345, empty: '' });
    expect(redact('abcdef and abc and 123456')).toBe('•••• and •••• and ••••6');
    expect(redact('nothing here')).toBe('nothing here');
    expect(redactJson({ list: ['abc', 1], abc: { deep: 'x abcdef' } }, redact)).toEqual({ list: ['••••', 1], '••••': { deep: 'x ••••' } });
    expect(redactorFor(null)('abc')).toBe('abc');
  });
});

describe('a job with a secret argument', () => {
  const secret = 'hunter2-Zq9xK';
  let worker: RunningWorker;
  let owner: PersonViewer;
  let admin: PersonViewer;

  beforeAll(async () => {
    owner = await createTestUser('user');
    admin = await createTestUser('admin');
    worker = await startWorker({ databaseUrl: databaseUrl(), concurrency: 2 });
  });

  afterAll(async () => {
    await worker?.stop();
  });

  it('runs with the value, which is stored apart and appears nowhere else: not in its row, log, error, search, events or graphile-worker', async () => {
    const id = await launchJob(owner, 'failing', { message: 'Refused for {secret} today', delaySeconds: 0, attempts: 2, secret }, web);
    const queued = await jobRow(id);
    expect(queued.payload).toMatchObject({ message: 'Refused for {secret} today', secret: SECRET_MASK });
    expect(await getDb().select({ payload: jobSecrets.payload }).from(jobSecrets).where(eq(jobSecrets.jobId, id))).toEqual([{ payload: { secret } }]);

    // The first attempt fails and goes back to graphile-worker with its error: masked there too.
    await waitForJobStatus(id, ['retrying']);
    const failed = await waitForJobStatus(id, ['failed'], 20_000);
    expect(failed.error).toBe('Refused for •••• today');
    expect(failed.errorStack).toContain('Error: Refused for •••• today');
    // The task had the real value (13 characters), not the mask it would have been given otherwise.
    expect(await jobLogLines(id)).toContain(`info: The secret given is •••• (${secret.length} characters).`);
    expect(await tablesHolding(secret)).toEqual(['public.job_secrets']);

    const details = await getJobForViewer(owner, id);
    expect(details?.payload.secret).toBe(SECRET_MASK);
  });

  it('is not found by the words filter and is masked in both export formats', async () => {
    const id = await launchJob(owner, 'failing', { message: 'Export check', delaySeconds: 0, secret }, web);
    await waitForJobStatus(id, ['failed']);
    for (const format of ['csv', 'jsonl'] as const) {
      const stream = exportStream({ databaseUrl: requireDatabaseUrl(), viewer: admin, filter: jobFilterSchema.parse({}), format });
      const text = await new Response(stream).text();
      expect(text).toContain(`${id}`);
      expect(text).not.toContain(secret);
    }
    const found = await listJobsForViewer(admin, { tab: 'all', limit: 50, filter: jobFilterSchema.parse({ q: secret }) });
    expect(found.jobs).toEqual([]);
  });

  it('keeps its value when retried, and the retry runs with it', async () => {
    const id = await launchJob(owner, 'failing', { message: 'Retry check', delaySeconds: 0, secret }, web);
    await waitForJobStatus(id, ['failed']);
    const retryId = await retryJob(getDb(), owner, id, web);
    expect((await jobRow(retryId)).payload.secret).toBe(SECRET_MASK);
    await waitForJobStatus(retryId, ['failed']);
    expect(await jobLogLines(retryId)).toContain(`info: The secret given is •••• (${secret.length} characters).`);
    expect(await tablesHolding(secret)).toEqual(['public.job_secrets']);
  });

  it("is kept apart by a schedule too, whose jobs run with it", async () => {
    const scheduleId = await createSchedule(getDb(), admin, { task: 'failing', arguments: { message: 'Scheduled', delaySeconds: 0, secret }, firstRunAt: new Date(), start: true }, web);
    const [row] = await getDb().select({ payload: schedules.payload, secretPayload: schedules.secretPayload }).from(schedules).where(eq(schedules.id, scheduleId));
    expect(row).toEqual({ payload: { message: 'Scheduled', delaySeconds: 0, attempts: 1, secret: SECRET_MASK }, secretPayload: { secret } });
    // The worker's schedule runner launches it (the first run is now).
    let jobId: number | undefined;
    for (const deadline = Date.now() + 15_000; jobId === undefined && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      [{ id: jobId } = { id: undefined }] = await getDb().select({ id: jobs.id }).from(jobs).where(eq(jobs.scheduleId, scheduleId));
    }
    if (jobId === undefined) throw new Error(`schedule ${scheduleId} launched nothing in 15 s`);
    await waitForJobStatus(jobId, ['failed']);
    expect(await jobLogLines(jobId)).toContain(`info: The secret given is •••• (${secret.length} characters).`);
    expect((await tablesHolding(secret)).sort()).toEqual(['public.job_secrets', 'public.schedules']);
  });
});
