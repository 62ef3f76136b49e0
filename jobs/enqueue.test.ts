import { count, desc, eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobs } from '@/db/schema';
import { createTestUser, queueEntry } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { enqueueJobs, queueFlag, queuePriority } from './enqueue';
import { ForbiddenError, ValidationError } from './errors';
import { launchJob, launchJobs } from './launch';
import { longRunningTask } from './tasks/long-running';
import type { PersonViewer } from './viewer';

setUpTestDatabase();

const countJobs = async () => (await getDb().select({ n: count() }).from(jobs))[0]!.n;
const countQueue = async () => Number((await getDb().execute<{ n: string }>(sql`select count(*) as n from graphile_worker.jobs`))[0]!.n);

describe('enqueueJobs', () => {
  let user: PersonViewer;
  beforeAll(async () => {
    user = await createTestUser('user');
  });

  it('creates our row and its graphile-worker entry, linked by the job key', async () => {
    const [id] = await enqueueJobs(getDb(), [
      { task: longRunningTask, payload: { durationSeconds: 5, steps: 2 }, origin: 'web', ownerId: user.id, priority: 'high' },
    ]);
    const row = (await getDb().select().from(jobs).where(eq(jobs.id, id!)))[0]!;
    expect(row).toMatchObject({ status: 'queued', task: 'long-running', title: 'Long-running task (5 s, 2 steps)', priority: 'high', origin: 'web', ownerId: user.id });
    const { task_identifier, priority, max_attempts, flags } = (await queueEntry(id!))!;
    expect({ task_identifier, priority, max_attempts, flags }).toEqual({
      task_identifier: 'long-running',
      priority: queuePriority.high,
      max_attempts: 3,
      flags: { [queueFlag('default')]: true },
    });
  });

  it('creates 20,000 jobs in one batch and returns each request its own id', async () => {
    const before = await countQueue();
    const requests = Array.from({ length: 20_000 }, (_, index) => ({
      task: longRunningTask,
      payload: { durationSeconds: (index % 3600) + 1, steps: (index % 100) + 1 },
      origin: 'web' as const,
      ownerId: user.id,
    }));
    const ids = await enqueueJobs(getDb(), requests);
    expect(new Set(ids).size).toBe(20_000);
    expect((await countQueue()) - before).toBe(20_000);
    const rows = await getDb().select({ id: jobs.id, payload: jobs.payload }).from(jobs).where(inArray(jobs.id, ids));
    const payloadById = new Map(rows.map((row) => [row.id, row.payload]));
    expect(ids.map((id) => payloadById.get(id))).toEqual(requests.map((request) => request.payload));
  });

  it('leaves neither row nor queue entry when the surrounding transaction fails after add_jobs', async () => {
    const [jobsBefore, queueBefore] = [await countJobs(), await countQueue()];
    await expect(
      getDb().transaction(async (tx) => {
        await enqueueJobs(tx, [{ task: longRunningTask, payload: { durationSeconds: 1, steps: 1 }, origin: 'web', ownerId: user.id }]);
        throw new Error('failure after add_jobs');
      }),
    ).rejects.toThrow('failure after add_jobs');
    expect([await countJobs(), await countQueue()]).toEqual([jobsBefore, queueBefore]);
  });
});

describe('launchJob atomicity', () => {
  it('leaves neither row, queue entry nor audit row when a statement after add_jobs fails', async () => {
    const user = await createTestUser('user');
    const counts = async () => [await countJobs(), await countQueue(), (await getDb().select({ n: count() }).from(auditEvents))[0]!.n];
    const before = await counts();
    // The audit insert comes after add_jobs in launchJob's transaction; make it fail for real.
    await getDb().execute(sql`alter table audit_events add constraint refuse_launch check (action <> 'job.launch') not valid`);
    try {
      await expect(launchJob(user, 'long-running', { durationSeconds: 1 }, { origin: 'web' })).rejects.toMatchObject({
        cause: { constraint_name: 'refuse_launch' },
      });
    } finally {
      await getDb().execute(sql`alter table audit_events drop constraint refuse_launch`);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('launchJobs, a batch launch', () => {
  let user: PersonViewer;
  beforeAll(async () => {
    user = await createTestUser('user');
  });

  it('creates one job per set of arguments, in order, with one audit row naming them all', async () => {
    const ids = await launchJobs(user, 'ping', [{ message: 'one' }, {}, { message: 'three' }], { origin: 'web' });
    expect(ids).toHaveLength(3);
    const rows = await getDb().select({ id: jobs.id, payload: jobs.payload, ownerId: jobs.ownerId, status: jobs.status }).from(jobs).where(inArray(jobs.id, ids));
    expect(ids.map((id) => rows.find((row) => row.id === id)!.payload)).toEqual([{ message: 'one' }, {}, { message: 'three' }]);
    expect(rows.every((row) => row.ownerId === user.id && row.status === 'queued')).toBe(true);
    for (const id of ids) expect(await queueEntry(id)).toBeDefined();
    const [audit] = await getDb().select().from(auditEvents).where(eq(auditEvents.action, 'job.launch')).orderBy(desc(auditEvents.id)).limit(1);
    expect(audit).toMatchObject({ jobIds: ids, jobCount: 3, details: { task: 'ping', count: 3 } });
  });

  it('creates nothing when one set is invalid, and says which one', async () => {
    const before = [await countJobs(), await countQueue()];
    const launching = launchJobs(user, 'ping', [{ message: 'fine' }, { message: 'x'.repeat(201) }], { origin: 'web' });
    await expect(launching).rejects.toThrow(ValidationError);
    await expect(launching).rejects.toMatchObject({ message: 'Arguments 2 of 2 for "Ping" are not valid.', fieldErrors: { '1.message': ['At most 200 characters'] } });
    await expect(launchJobs(user, 'ping', [], { origin: 'web' })).rejects.toThrow('A launch creates from 1 to 20,000 jobs (asked for 0).');
    await expect(launchJobs(user, 'queue-maintenance', [{}, {}], { origin: 'web' })).rejects.toThrow(ForbiddenError);
    expect([await countJobs(), await countQueue()]).toEqual(before);
  });
});
