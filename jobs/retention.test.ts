import { desc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobArtifacts, jobLogs, jobs } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser, waitForJobStatus } from '@/test/fixtures';
import { ForbiddenError } from './errors';
import { launchJob } from './launch';
import type { PersonViewer } from './viewer';
import { startWorker, type RunningWorker } from './worker/start-worker';

const databaseUrl = setUpTestDatabase();
let worker: RunningWorker;
let admin: PersonViewer;
let user: PersonViewer;

beforeAll(async () => {
  admin = await createTestUser('admin');
  user = await createTestUser('user');
  worker = await startWorker({ databaseUrl: databaseUrl(), concurrency: 2 });
});
afterAll(async () => {
  await worker?.stop();
});

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

describe('retention', () => {
  it('prunes only ended jobs older than the setting, with their logs and files, and audits the count', async () => {
    const insert = async (title: string, status: 'completed' | 'failed' | 'cancelled' | 'running' | 'queued', endedDaysAgo: number, extra: Partial<typeof jobs.$inferInsert> = {}) => {
      const at = daysAgo(endedDaysAgo);
      const [row] = await getDb()
        .insert(jobs)
        .values({ task: 'long-running', title, status, origin: 'web', ownerId: user.id, createdAt: at, updatedAt: at, finishedAt: ['running', 'queued'].includes(status) ? null : at, ...extra })
        .returning({ id: jobs.id });
      return row!.id;
    };
    const oldDone = await insert('old completed', 'completed', 100);
    const oldFailed = await insert('old failed', 'failed', 95, { clearedAt: daysAgo(94) });
    const oldCancelled = await insert('old cancelled', 'cancelled', 91);
    const recent = await insert('recent', 'completed', 89);
    const oldRunning = await insert('old but running', 'running', 200);
    const oldQueued = await insert('old but queued', 'queued', 200);
    const retry = await insert('retry of old failed', 'completed', 1, { retryOf: oldFailed });
    await getDb().insert(jobLogs).values({ jobId: oldDone, message: 'old line' });
    await getDb().insert(jobArtifacts).values({ jobId: oldDone, attempt: 1, name: 'old.csv', contentType: 'text/csv', size: 1, content: Buffer.from('x') });

    const id = await launchJob(admin, 'prune-history', { olderThanDays: 90, batchSize: 10 }, { origin: 'web' });
    const done = await waitForJobStatus(id, ['completed', 'failed']);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });
    expect(done.result).toMatchObject({ olderThanDays: 90, deleted: 3 });

    const left = await getDb().select({ id: jobs.id }).from(jobs).where(inArray(jobs.id, [oldDone, oldFailed, oldCancelled, recent, oldRunning, oldQueued, retry]));
    expect(left.map((row) => row.id).sort((x, y) => x - y)).toEqual([recent, oldRunning, oldQueued, retry].sort((x, y) => x - y));
    expect(await getDb().$count(jobLogs, eq(jobLogs.jobId, oldDone))).toBe(0);
    expect(await getDb().$count(jobArtifacts, eq(jobArtifacts.jobId, oldDone))).toBe(0);
    expect((await getDb().select({ retryOf: jobs.retryOf }).from(jobs).where(eq(jobs.id, retry)))[0]!.retryOf).toBeNull();
    const [audit] = await getDb().select().from(auditEvents).where(eq(auditEvents.action, 'jobs.prune')).orderBy(desc(auditEvents.id)).limit(1);
    expect(audit).toMatchObject({ actorLabel: admin.email, jobCount: 3, details: { olderThanDays: 90 } });
  });

  it('is for admins only', async () => {
    await expect(launchJob(user, 'prune-history', {}, { origin: 'web' })).rejects.toThrow(ForbiddenError);
  });
});
