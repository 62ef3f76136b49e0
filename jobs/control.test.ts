import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobs } from '@/db/schema';
import { createTestUser, jobLogLines, jobRow, queueEntry, waitForJobStatus, waitForQueueEntryGone } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { findTask } from './catalogue';
import { cancelJob, retryJob, stopJob } from './control';
import { enqueueJobs } from './enqueue';
import { ForbiddenError, NotFoundError, ValidationError } from './errors';
import { launchJob } from './launch';
import type { PersonViewer } from './viewer';
import { startWorker, type RunningWorker } from './worker/start-worker';

const databaseUrl = setUpTestDatabase();
const web = { origin: 'web' as const };

let worker: RunningWorker;
let owner: PersonViewer;
let other: PersonViewer;
let admin: PersonViewer;
let auditor: PersonViewer;

beforeAll(async () => {
  owner = await createTestUser('user', 'owner');
  other = await createTestUser('user', 'other');
  admin = await createTestUser('admin');
  auditor = await createTestUser('auditor');
  worker = await startWorker({ databaseUrl: databaseUrl(), concurrency: 4 });
});
afterAll(async () => {
  await worker?.stop();
});

async function lastAudit() {
  const [row] = await getDb().select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  return row!;
}

/** A long job, started: waits until the worker has it running and it has logged its first step. */
async function runningLongJob(payload: Record<string, unknown> = {}): Promise<number> {
  const id = await launchJob(owner, 'long-running', { durationSeconds: 60, steps: 60, ...payload }, web);
  await waitForJobStatus(id, ['running']);
  await expect.poll(() => jobLogLines(id), { timeout: 10_000 }).toContain('info: Step 1 of 60 done.');
  return id;
}

describe('cancel', () => {
  it('removes a waiting job from graphile-worker and marks it cancelled, in one go', async () => {
    // Scheduled an hour ahead, so that no worker takes it first.
    const [id] = (await enqueueJobs(getDb(), [
      { task: findTask('long-running')!, payload: { durationSeconds: 1, steps: 1 }, origin: 'web', ownerId: owner.id, runAt: new Date(Date.now() + 3_600_000) },
    ])) as [number];
    expect(await queueEntry(id)).toBeDefined();
    expect(await cancelJob(getDb(), owner, id, web)).toBe('cancelled');
    expect(await queueEntry(id)).toBeUndefined();
    expect(await jobRow(id)).toMatchObject({ status: 'cancelled', message: `Cancelled by ${owner.email} before it ran.` });
    expect(await lastAudit()).toMatchObject({ action: 'job.cancel', jobIds: [id], actorLabel: owner.email });
  });

  it('refuses a job that has ended, with a message, changing nothing', async () => {
    const id = await launchJob(owner, 'long-running', { durationSeconds: 1, steps: 1 }, web);
    await waitForJobStatus(id, ['completed']);
    await expect(cancelJob(getDb(), owner, id, web)).rejects.toThrow(new ValidationError(`Job ${id} has already ended (completed); there is nothing to cancel.`));
    expect((await jobRow(id)).status).toBe('completed');
  });
});

describe('stop', () => {
  it('gracefully: the task’s signal fires, it stops at its next step and ends cancelled within a second', async () => {
    const id = await runningLongJob();
    const asked = Date.now();
    expect(await stopJob(getDb(), owner, id, 'graceful', web)).toBe('stop-requested');
    const done = await waitForJobStatus(id, ['cancelled'], 5000);
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(done.message).toBe('Stopped as requested during attempt 1.');
    const lines = await jobLogLines(id);
    expect(lines).toContain(`warning: Stop requested by ${owner.email} (graceful): the task is told to stop at its next step.`);
    expect(lines.at(-1)).toBe('warning: Attempt 1 stopped as requested; the job is cancelled.');
    // Its later steps never run: no step is done after the request.
    const requestedAt = lines.findIndex((line) => line.includes('Stop requested'));
    expect(lines.slice(requestedAt).some((line) => /Step \d+ of 60 done/.test(line))).toBe(false);
    await waitForQueueEntryGone(id);
    expect(await lastAudit()).toMatchObject({ action: 'job.stop', jobIds: [id] });
  });

  it('by force, a task that ignores its signal: cancelled at once, and nothing it does later is recorded', async () => {
    const id = await runningLongJob({ durationSeconds: 6, steps: 60, ignoreStopRequests: true });
    expect(await stopJob(getDb(), admin, id, 'force', web)).toBe('force-stopped');
    const stopped = await jobRow(id);
    expect(stopped).toMatchObject({ status: 'cancelled', message: `Force-stopped by ${admin.email}.` });
    const linesAtStop = await jobLogLines(id);
    // The task would have gone on for seconds; its worker slot and queue entry are freed at once.
    await waitForQueueEntryGone(id, 3000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await jobLogLines(id)).toEqual(linesAtStop);
    expect(await jobRow(id)).toMatchObject({ status: 'cancelled', progress: stopped.progress, message: stopped.message });
    expect(await lastAudit()).toMatchObject({ action: 'job.force_stop', jobIds: [id], actorLabel: admin.email });
  });
});

describe('retry', () => {
  it('launches the same task with the same arguments, linked both ways', async () => {
    const id = await launchJob(owner, 'failing', { message: 'Nope', delaySeconds: 0 }, web);
    await waitForJobStatus(id, ['failed']);
    const retryId = await retryJob(getDb(), owner, id, web);
    const retry = await jobRow(retryId);
    expect(retry).toMatchObject({ task: 'failing', payload: { message: 'Nope', delaySeconds: 0, attempts: 1 }, ownerId: owner.id, origin: 'web', retryOf: id });
    expect(await jobLogLines(id)).toContain(`info: Retried by ${owner.email} as job ${retryId}.`);
    expect(await lastAudit()).toMatchObject({ action: 'job.retry', jobIds: [id, retryId] });
    await waitForJobStatus(retryId, ['failed']);
  });

  it('refuses a job that has not failed or been cancelled', async () => {
    const id = await launchJob(owner, 'long-running', { durationSeconds: 1, steps: 1 }, web);
    await waitForJobStatus(id, ['completed']);
    await expect(retryJob(getDb(), owner, id, web)).rejects.toThrow(new ValidationError(`Job ${id} is completed: only failed or cancelled jobs can be retried.`));
  });
});

describe('who may', () => {
  it('another user: not found, exactly like a missing job, and nothing changes', async () => {
    const id = await launchJob(owner, 'failing', { delaySeconds: 0 }, web);
    await waitForJobStatus(id, ['failed']);
    await expect(retryJob(getDb(), other, id, web)).rejects.toThrow(NotFoundError);
    await expect(cancelJob(getDb(), other, id, web)).rejects.toThrow(NotFoundError);
    await expect(stopJob(getDb(), other, 999_999_999, 'force', web)).rejects.toThrow(NotFoundError);
    expect(await getDb().$count(jobs, eq(jobs.retryOf, id))).toBe(0);
    expect((await jobRow(id)).status).toBe('failed');
  });

  it('an auditor: forbidden, whatever the job', async () => {
    const id = await launchJob(owner, 'failing', { delaySeconds: 0 }, web);
    await waitForJobStatus(id, ['failed']);
    await expect(retryJob(getDb(), auditor, id, web)).rejects.toThrow(ForbiddenError);
    await expect(cancelJob(getDb(), auditor, id, web)).rejects.toThrow(ForbiddenError);
    await expect(stopJob(getDb(), auditor, id, 'graceful', web)).rejects.toThrow(ForbiddenError);
  });
});
