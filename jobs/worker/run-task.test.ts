import { parse } from 'csv-parse/sync';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { jobs, workers } from '@/db/schema';
import { createTestUser, jobLogLines, jobRow, waitForJobStatus, waitForQueueEntryGone } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { getArtifactForViewer, listArtifactsForViewer } from '../artifacts';
import { launchJob } from '../launch';
import { findTask } from '../catalogue';
import { enqueueJobs } from '../enqueue';
import type { PersonViewer } from '../viewer';
import { startWorker, type RunningWorker } from './start-worker';

const databaseUrl = setUpTestDatabase();

let worker: RunningWorker;
let user: PersonViewer;
const web = { origin: 'web' as const };

beforeAll(async () => {
  user = await createTestUser('user');
  worker = await startWorker({ databaseUrl: databaseUrl(), concurrency: 4 });
});

afterAll(async () => {
  await worker?.stop();
});

describe('the task wrapper', () => {
  it('runs a task to completion: running with worker and attempt, progress, log, result', async () => {
    const id = await launchJob(user, 'long-running', { durationSeconds: 1, steps: 2 }, web);
    const running = await waitForJobStatus(id, ['running', 'completed']);
    expect(running.workerId).toBe(worker.id);
    const done = await waitForJobStatus(id, ['completed']);
    expect(done).toMatchObject({ status: 'completed', progress: 1, step: 'Step 2 of 2', attempts: 1, result: { steps: 2, durationSeconds: 1 }, error: null });
    expect(done.startedAt!.getTime()).toBeLessThanOrEqual(done.finishedAt!.getTime());
    expect(await jobLogLines(id)).toEqual([
      `info: Attempt 1 of 3 started on worker ${worker.id}.`,
      'info: Starting 2 steps over 1 s.',
      'info: Step 1 of 2 done.',
      'info: Step 2 of 2 done.',
    ]);
    await waitForQueueEntryGone(id); // graphile-worker removes it just after the task returns
  });

  it('records a failure with its message and stack, and leaves nothing in the queue', async () => {
    const id = await launchJob(user, 'failing', { message: 'The archive is offline.', delaySeconds: 0 }, web);
    const failed = await waitForJobStatus(id, ['failed']);
    expect(failed).toMatchObject({ status: 'failed', error: 'The archive is offline.', message: 'The archive is offline.', errors: 1, attempts: 1 });
    expect(failed.errorStack).toContain('Error: The archive is offline.');
    expect(failed.finishedAt).not.toBeNull();
    expect((await jobLogLines(id)).at(-1)).toBe('error: Attempt 1 failed: The archive is offline.');
    await waitForQueueEntryGone(id); // graphile-worker removes it just after the task returns
  });

  it('retries a failure with attempts left, then fails for good', async () => {
    const id = await launchJob(user, 'failing', { message: 'Still broken.', delaySeconds: 0, attempts: 2 }, web);
    const retrying = await waitForJobStatus(id, ['retrying']);
    expect(retrying).toMatchObject({ attempts: 1, maxAttempts: 2, finishedAt: null, message: 'Attempt 1 failed: Still broken. (will retry)' });
    expect(retrying.runAt.getTime()).toBeGreaterThan(Date.now());
    // graphile-worker's backoff before the second attempt is exp(1) ≈ 2.7 s.
    const failed = await waitForJobStatus(id, ['failed'], 15_000);
    expect(failed).toMatchObject({ attempts: 2, errors: 2, error: 'Still broken.' });
    expect((await jobLogLines(id)).filter((line) => line.startsWith('error:'))).toEqual([
      'error: Attempt 1 failed: Still broken. It will be retried.',
      'error: Attempt 2 failed: Still broken.',
    ]);
  });

  it("keeps every attempt's error, oldest first", async () => {
    const id = await launchJob(user, 'failing', { message: 'Broken every time.', delaySeconds: 0, attempts: 3 }, web);
    // graphile-worker's backoff before the second and third attempts: exp(1) + exp(2) ≈ 10 s.
    const failed = await waitForJobStatus(id, ['failed'], 25_000);
    expect(failed.attemptErrors).toEqual(
      [1, 2, 3].map((attempt) => ({
        attempt,
        kind: 'error',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        workerId: worker.id,
        message: 'Broken every time.',
        stack: expect.stringContaining('Error: Broken every time.'),
      })),
    );
    const times = failed.attemptErrors.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(failed.error).toBe('Broken every time.');
  });

  it('counts warnings: a CSV check logs each skipped row and returns the counts', async () => {
    const csv = ['identifier,title,date', 'A1,First,2026-01-01', 'A2,,2026-01-02', 'A3,Third', 'A4,Fourth,2026-01-04'].join('\n');
    const id = await launchJob(user, 'csv-import-check', { csv, source: 'https://archive.example.org/fonds/7' }, web);
    const done = await waitForJobStatus(id, ['completed']);
    expect(done).toMatchObject({ step: 'Checking the rows', warnings: 3, errors: 0, relatedUrl: 'https://archive.example.org/fonds/7', result: { rows: 4, valid: 2, skipped: 2 } });
    expect((await jobLogLines(id)).filter((line) => line.startsWith('warning:'))).toEqual([
      'warning: Row 3 skipped: "title" is empty.',
      'warning: Row 4 skipped: has 2 columns, the header has 3.',
      'warning: 2 valid rows, 2 skipped.',
    ]);
  });

  it('fails a CSV check whose header lacks a required column', async () => {
    const id = await launchJob(user, 'csv-import-check', { csv: 'name\nx', requiredColumns: 'identifier, name' }, web);
    expect(await waitForJobStatus(id, ['failed'])).toMatchObject({ error: 'Required column missing from the header: identifier.' });
  });

  it("summarises only the launcher's own jobs in the history report", async () => {
    const reporter = await createTestUser('user', 'reporter');
    const other = await createTestUser('user', 'other');
    const mine = await launchJob(reporter, 'failing', { message: 'x', delaySeconds: 0 }, web);
    await launchJob(other, 'failing', { message: 'y', delaySeconds: 0 }, web);
    await waitForJobStatus(mine, ['failed']);
    const today = new Date().toISOString().slice(0, 10);
    const id = await launchJob(reporter, 'history-report', { from: today, to: today }, web);
    const done = await waitForJobStatus(id, ['completed']);
    expect(done.step).toBe('Writing the CSV file');
    const result = done.result as Record<string, unknown>;
    // The reporter's failed job and the report itself (running while it counts); nothing of the other user's.
    expect(result.rows).toEqual([
      { task: 'failing', status: 'failed', jobs: 1, meanSeconds: expect.any(Number) },
      { task: 'history-report', status: 'running', jobs: 1, meanSeconds: null },
    ]);
    expect(Object.keys(result).sort()).toEqual(['from', 'rows', 'to', 'totalJobs']); // the file is an artifact now

    const [file] = await listArtifactsForViewer(reporter, id);
    expect(file).toMatchObject({ name: `job-history-${today}-to-${today}.csv`, contentType: 'text/csv; charset=utf-8', attempt: 1 });
    const csv = (await getArtifactForViewer(reporter, id, file!.id))!.content.toString('utf8');
    const records = parse(csv) as string[][];
    expect(records[0]).toEqual(['task', 'status', 'jobs', 'meanSeconds']);
    expect(records.slice(1)).toEqual([
      ['failing', 'failed', '1', expect.stringMatching(/^\d/)],
      ['history-report', 'running', '1', ''],
    ]);
  });

  it('runs the admin maintenance task through graphile-worker cleanup', async () => {
    const admin = await createTestUser('admin');
    const id = await launchJob(admin, 'queue-maintenance', {}, web);
    const done = await waitForJobStatus(id, ['completed']);
    const result = done.result as { cleanup: string[]; tables: { table: string; bytes: number }[] };
    expect(result.cleanup).toEqual(['DELETE_PERMAFAILED_JOBS', 'GC_TASK_IDENTIFIERS', 'GC_JOB_QUEUES']);
    expect(result.tables.map((table) => table.table)).toEqual(['audit_events', 'job_logs', 'jobs', 'users', 'workers']);
    // The running worker must still see new jobs afterwards (its cached task ids were kept).
    const after = await launchJob(user, 'long-running', { durationSeconds: 1, steps: 1 }, web);
    expect((await waitForJobStatus(after, ['completed'], 10_000)).status).toBe('completed');
  });

  it('fails a job whose stored arguments no longer pass the schema, without retrying it', async () => {
    // Parked behind a run time in the future, so the arguments change before a worker takes it.
    const id = await enqueueLater({ durationSeconds: 1, steps: 1 });
    await getDb().update(jobs).set({ payload: { durationSeconds: -5 } }).where(eq(jobs.id, id));
    const failed = await waitForJobStatus(id, ['failed', 'completed'], 10_000);
    expect({ status: failed.status, error: failed.error }).toEqual({ status: 'failed', error: 'Invalid arguments: durationSeconds: At least 1 second' });
    await waitForQueueEntryGone(id); // graphile-worker removes it just after the task returns
  });

  it('records its worker with a heartbeat', async () => {
    const [row] = await getDb().select().from(workers).where(eq(workers.id, worker.id));
    expect(row).toMatchObject({ id: worker.id, pid: process.pid, concurrency: 4, stoppedAt: null });
  });

  it('does not run a job that was cancelled before a worker took it', async () => {
    const id = await enqueueLater({ durationSeconds: 1, steps: 1 });
    await getDb().update(jobs).set({ status: 'cancelled', finishedAt: sql`now()` }).where(eq(jobs.id, id));
    // The queue entry comes due and is taken by the worker, which must leave the job alone.
    await waitForQueueEntryGone(id);
    const row = await jobRow(id);
    expect({ status: row.status, startedAt: row.startedAt, log: await jobLogLines(id) }).toEqual({ status: 'cancelled', startedAt: null, log: [] });
  });
});

/** A long-running job (of `user`) that becomes due in one second. */
async function enqueueLater(payload: Record<string, unknown>): Promise<number> {
  const [id] = await enqueueJobs(getDb(), [
    { task: findTask('long-running')!, payload, origin: 'web', ownerId: user.id, runAt: new Date(Date.now() + 1000) },
  ]);
  return id!;
}
