import { eq } from 'drizzle-orm';
import { makeWorkerUtils, type JobHelpers, type WorkerUtils } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { jobs } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser, jobRow } from '@/test/fixtures';
import { getArtifactForViewer, listArtifactsForViewer, MAX_ARTIFACT_BYTES } from './artifacts';
import { enqueueJobs } from './enqueue';
import { defineTask, type TaskContext, type TaskDefinition } from './task';
import type { PersonViewer } from './viewer';
import { quietLogger } from './worker/logger';
import { wrapTask } from './worker/run-task';

const databaseUrl = setUpTestDatabase();
const WORKER_ID = 'artifacts-test-worker';

let workerUtils: WorkerUtils;
let owner: PersonViewer;
let other: PersonViewer;
let admin: PersonViewer;
let auditor: PersonViewer;

beforeAll(async () => {
  workerUtils = await makeWorkerUtils({ connectionString: databaseUrl(), logger: quietLogger });
  [owner, other, admin, auditor] = await Promise.all([createTestUser('user', 'owner'), createTestUser('user', 'other'), createTestUser('admin'), createTestUser('auditor')]);
});

afterAll(async () => {
  await workerUtils?.release();
});

/** A task of this test's own, run by the task wrapper exactly as a catalogue task is. */
function testTask(run: (context: TaskContext<Record<string, never>>) => Promise<unknown>): TaskDefinition {
  return defineTask({
    name: 'artifacts-test',
    title: 'Artifacts test',
    description: 'Writes files.',
    category: 'Test',
    launchableBy: 'user',
    defaultPriority: 'normal',
    queue: 'default',
    maxAttempts: 2,
    schema: z.object({}).strict(),
    run,
  });
}

/** A job of the owner's for `task`. No worker runs in this file: the test runs its attempts itself. */
async function createJob(task: TaskDefinition): Promise<number> {
  const [id] = await enqueueJobs(getDb(), [{ task, payload: {}, origin: 'web', ownerId: owner.id }]);
  return id!;
}

/** Runs attempt `attempt` of the job through the wrapper, as graphile-worker would hand it out. */
async function runAttempt(task: TaskDefinition, jobId: number, attempt: number): Promise<void> {
  const wrapped = wrapTask(task, { db: getDb(), workerUtils, workerId: WORKER_ID });
  // Only what the wrapper reads of graphile-worker's helpers.
  const helpers = { job: { id: String(jobId), attempts: attempt, max_attempts: task.maxAttempts }, logger: quietLogger } as unknown as JobHelpers;
  await wrapped({ jobId }, helpers);
}

describe('job artifacts', () => {
  it("stores a task's files for the owner, admins and auditors, and nobody else", async () => {
    const task = testTask(async ({ artifact }) => {
      await artifact('report.txt', 'text/plain; charset=utf-8', 'héllo');
      await artifact('data.bin', 'application/octet-stream', new Uint8Array([0, 1, 2, 255]));
    });
    const id = await createJob(task);
    await runAttempt(task, id, 1);
    expect((await jobRow(id)).status).toBe('completed');

    const listed = await listArtifactsForViewer(owner, id);
    expect(listed).toEqual([
      { id: expect.any(Number), name: 'data.bin', contentType: 'application/octet-stream', size: 4, attempt: 1, createdAt: expect.any(Date) },
      { id: expect.any(Number), name: 'report.txt', contentType: 'text/plain; charset=utf-8', size: 6, attempt: 1, createdAt: expect.any(Date) },
    ]);
    const [data, report] = listed;
    for (const viewer of [owner, admin, auditor]) {
      expect(await listArtifactsForViewer(viewer, id)).toEqual(listed);
      const file = await getArtifactForViewer(viewer, id, report!.id);
      expect({ ...file, content: file?.content.toString('utf8') }).toEqual({ name: 'report.txt', contentType: 'text/plain; charset=utf-8', size: 6, content: 'héllo' });
      expect([...(await getArtifactForViewer(viewer, id, data!.id))!.content]).toEqual([0, 1, 2, 255]);
    }
    // Someone else's job's file is missing, exactly like a file that does not exist.
    expect(await listArtifactsForViewer(other, id)).toEqual([]);
    expect(await getArtifactForViewer(other, id, report!.id)).toBeNull();
    expect(await getArtifactForViewer(owner, id + 1, report!.id)).toBeNull();
    expect(await getArtifactForViewer(owner, id, report!.id + 1000)).toBeNull();
  });

  it('replaces a file written again under the same name, here by the next attempt', async () => {
    const task = testTask(async ({ artifact, job }) => {
      if (job.attempt === 1) {
        await artifact('out.txt', 'text/plain', 'first attempt');
        throw new Error('Try again.');
      }
      await artifact('out.txt', 'text/csv', 'a,b\n1,2\n');
    });
    const id = await createJob(task);
    await expect(runAttempt(task, id, 1)).rejects.toThrow('Try again.');
    const [first] = await listArtifactsForViewer(owner, id);
    expect(first).toMatchObject({ name: 'out.txt', attempt: 1, contentType: 'text/plain', size: 13 });

    await runAttempt(task, id, 2);
    const files = await listArtifactsForViewer(owner, id);
    expect(files).toEqual([{ ...first, attempt: 2, contentType: 'text/csv', size: 8, createdAt: expect.any(Date) }]);
    expect((await getArtifactForViewer(owner, id, first!.id))!.content.toString()).toBe('a,b\n1,2\n');
  });

  it('refuses a bad name, content type or size, saying what is wrong, and stores nothing', async () => {
    const attempts: [string, string, string | Uint8Array][] = [
      ['', 'text/plain', 'x'],
      ['x'.repeat(201), 'text/plain', 'x'],
      ['../etc/passwd', 'text/plain', 'x'],
      ['a\\b.txt', 'text/plain', 'x'],
      ['line\nbreak.txt', 'text/plain', 'x'],
      ['..', 'text/plain', 'x'],
      ['ok.txt', 'text', 'x'],
      ['ok.txt', 'text/plain\r\nSet-Cookie: a=b', 'x'],
      ['ok.txt', `text/${'x'.repeat(100)}`, 'x'],
      ['ok.txt', 'text/plain', new Uint8Array(MAX_ARTIFACT_BYTES + 1)],
      // Counted in UTF-8 bytes: fewer characters than the limit, more bytes.
      ['ok.txt', 'text/plain', 'é'.repeat(MAX_ARTIFACT_BYTES / 2 + 1)],
    ];
    const task = testTask(async ({ artifact }) => {
      const messages: string[] = [];
      for (const [name, type, content] of attempts) {
        messages.push(await artifact(name, type, content).then(() => 'stored', (error: Error) => error.message));
      }
      return messages;
    });
    const id = await createJob(task);
    await runAttempt(task, id, 1);
    expect((await jobRow(id)).result).toEqual([
      'Invalid artifact: name must not be empty.',
      'Invalid artifact: name at most 200 characters.',
      'Invalid artifact: name must not contain / or \\.',
      'Invalid artifact: name must not contain / or \\.',
      'Invalid artifact: name must not contain control characters.',
      'Invalid artifact: name must not be "." or "..".',
      'Invalid artifact: contentType must be a MIME type such as text/csv or text/csv; charset=utf-8.',
      'Invalid artifact: contentType must be a MIME type such as text/csv or text/csv; charset=utf-8.',
      'Invalid artifact: contentType at most 100 characters.',
      'Invalid artifact: content at most 50 MiB.',
      'Invalid artifact: content at most 50 MiB.',
    ]);
    expect(await listArtifactsForViewer(owner, id)).toEqual([]);
  });

  it('drops a file written after the attempt stopped being the current one', async () => {
    const task = testTask(async ({ artifact, db, job }) => {
      await artifact('early.txt', 'text/plain', 'kept');
      // Another worker takes the job over meanwhile (this attempt's worker looked dead).
      await db.update(jobs).set({ attempts: 2, workerId: 'another-worker' }).where(eq(jobs.id, job.id));
      await artifact('late.txt', 'text/plain', 'dropped');
    });
    const id = await createJob(task);
    await runAttempt(task, id, 1);
    expect((await listArtifactsForViewer(owner, id)).map((file) => file.name)).toEqual(['early.txt']);
  });
});
