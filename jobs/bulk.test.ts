import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobs, type JobStatus } from '@/db/schema';
import { createTestUser, jobRow, waitForJobStatus } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { previewBulk, runBulk } from './bulk';
import { findTask } from './catalogue';
import { enqueueJobs } from './enqueue';
import { ForbiddenError } from './errors';
import { launchJob } from './launch';
import type { PersonViewer } from './viewer';
import { startWorker, type RunningWorker } from './worker/start-worker';

const databaseUrl = setUpTestDatabase();
const web = { origin: 'web' as const };

let owner: PersonViewer;
let other: PersonViewer;
let admin: PersonViewer;
let auditor: PersonViewer;

beforeAll(async () => {
  owner = await createTestUser('user', 'owner');
  other = await createTestUser('user', 'other');
  admin = await createTestUser('admin');
  auditor = await createTestUser('auditor');
});

/** Jobs in a given state, scheduled far ahead so that no worker touches them. */
async function jobsIn(user: PersonViewer, status: JobStatus, count: number): Promise<number[]> {
  const ids = await enqueueJobs(
    getDb(),
    Array.from({ length: count }, () => ({ task: findTask('long-running')!, payload: {}, origin: 'web' as const, ownerId: user.id, runAt: new Date(Date.now() + 3_600_000) })),
  );
  if (status !== 'scheduled') await getDb().update(jobs).set({ status, finishedAt: new Date() }).where(inArray(jobs.id, ids));
  return ids;
}

async function lastAudit() {
  const [row] = await getDb().select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  return row!;
}

describe('bulk actions', () => {
  it('preview counts only the jobs the viewer may change and the action applies to', async () => {
    const failed = await jobsIn(owner, 'failed', 3);
    const [completed] = (await jobsIn(owner, 'completed', 1)) as [number];
    await jobsIn(other, 'failed', 2);
    expect(await previewBulk(getDb(), owner, { action: 'retry', filter: { tab: 'failed' } })).toBe(3);
    expect(await previewBulk(getDb(), owner, { action: 'retry', ids: [...failed, completed] })).toBe(3);
    expect(await previewBulk(getDb(), admin, { action: 'retry', filter: { tab: 'failed' } })).toBe(5);
    // Another user's jobs by id: none of them count.
    expect(await previewBulk(getDb(), other, { action: 'retry', ids: failed })).toBe(0);
  });

  it('retries the selection: one new job each, linked, and one audit row for all', async () => {
    const failed = await jobsIn(owner, 'failed', 3);
    const [completed] = (await jobsIn(owner, 'completed', 1)) as [number];
    const result = await runBulk(getDb(), owner, { action: 'retry', ids: [...failed, completed] }, web);
    expect(result).toEqual({ touched: 3, skipped: 0 });
    const retries = await getDb().select({ retryOf: jobs.retryOf }).from(jobs).where(inArray(jobs.retryOf, [...failed, completed]));
    expect(retries.map((row) => row.retryOf).sort()).toEqual([...failed].sort());
    expect(await lastAudit()).toMatchObject({ action: 'jobs.bulk_retry', jobCount: 3, jobIds: failed, filter: { ids: 4 } });
    expect(await getDb().$count(auditEvents, eq(auditEvents.action, 'job.retry'))).toBe(0);
  });

  it('cancels every waiting job of a view, leaving others’ jobs alone', async () => {
    const mine = await jobsIn(owner, 'scheduled', 4);
    const theirs = await jobsIn(other, 'scheduled', 2);
    const result = await runBulk(getDb(), owner, { action: 'cancel', filter: { tab: 'active' } }, web);
    expect(result.touched).toBeGreaterThanOrEqual(4);
    for (const id of mine) expect((await jobRow(id)).status).toBe('cancelled');
    for (const id of theirs) expect((await jobRow(id)).status).toBe('scheduled');
    expect(await lastAudit()).toMatchObject({ action: 'jobs.bulk_cancel', filter: { tab: 'active' } });
  });

  it('changes priorities for admins only; auditors change nothing', async () => {
    const waiting = await jobsIn(owner, 'scheduled', 2);
    await expect(previewBulk(getDb(), owner, { action: 'priority', ids: waiting, priority: 'critical' })).rejects.toThrow(ForbiddenError);
    await expect(runBulk(getDb(), auditor, { action: 'retry', filter: { tab: 'failed' } }, web)).rejects.toThrow(ForbiddenError);
    expect(await runBulk(getDb(), admin, { action: 'priority', ids: waiting, priority: 'critical' }, web)).toEqual({ touched: 2, skipped: 0 });
    for (const id of waiting) expect((await jobRow(id)).priority).toBe('critical');
  });
});

describe('a large bulk action', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker({ databaseUrl: databaseUrl(), concurrency: 2 });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('runs as a background job with progress, acting with its launcher’s rights', async () => {
    const done = await jobsIn(owner, 'completed', 250);
    const id = await launchJob(owner, 'bulk-action', { action: 'clear', filter: { tab: 'all' } }, web);
    const finished = await waitForJobStatus(id, ['completed', 'failed'], 30_000);
    expect(finished).toMatchObject({ status: 'completed', progress: 1, title: 'Clear: every job on the all tab' });
    expect((finished.result as { touched: number }).touched).toBeGreaterThanOrEqual(250);
    expect(await getDb().$count(jobs, and(inArray(jobs.id, done), isNotNull(jobs.clearedAt)))).toBe(250);
    // Another user's finished jobs are not the owner's to clear.
    expect(await getDb().$count(jobs, and(eq(jobs.ownerId, other.id), isNotNull(jobs.clearedAt)))).toBe(0);
  });
});
