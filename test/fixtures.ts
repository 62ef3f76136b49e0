import crypto from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { jobLogs, jobs, type Job, type JobStatus, type UserRole } from '@/db/schema';
import { queueJobKey } from '@/jobs/enqueue';
import type { PersonViewer } from '@/jobs/viewer';
import { createAccount } from '@/lib/accounts';

export const TEST_PASSWORD = 'correct horse battery staple';

/** A new account with a unique email, as the viewer the data-access layer takes. */
export async function createTestUser(role: UserRole, name: string = role): Promise<PersonViewer> {
  const email = `${name}-${crypto.randomBytes(4).toString('hex')}@example.test`;
  const account = await createAccount(getDb(), { email, role, password: TEST_PASSWORD });
  return { kind: 'person', ...account };
}

/** Reads a job row as it is now. */
export async function jobRow(id: number): Promise<Job> {
  const [row] = await getDb().select().from(jobs).where(eq(jobs.id, id));
  if (!row) throw new Error(`job ${id} does not exist`);
  return row;
}

/** Waits until job `id` has one of `statuses` and returns its row; fails with the last state seen. */
export async function waitForJobStatus(id: number, statuses: JobStatus[], timeoutMs = 20_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  let row = await jobRow(id);
  while (!statuses.includes(row.status)) {
    if (Date.now() > deadline) {
      throw new Error(`job ${id} is ${row.status} after ${timeoutMs} ms, expected ${statuses.join(' or ')} (message: ${row.message})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    row = await jobRow(id);
  }
  return row;
}

/** A job's log as `level: message` lines, oldest first. */
export async function jobLogLines(id: number): Promise<string[]> {
  const lines = await getDb()
    .select({ level: jobLogs.level, message: jobLogs.message })
    .from(jobLogs)
    .where(eq(jobLogs.jobId, id))
    .orderBy(asc(jobLogs.id));
  return lines.map((line) => `${line.level}: ${line.message}`);
}

export interface QueueEntry {
  task_identifier: string;
  priority: number;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  flags: Record<string, boolean> | null;
}

/** graphile-worker's entry for one of our jobs, read through its public `jobs` view; undefined when there is none. */
export async function queueEntry(id: number): Promise<QueueEntry | undefined> {
  const rows = await getDb().execute<QueueEntry & Record<string, unknown>>(
    sql`select task_identifier, priority, attempts, max_attempts, locked_by, flags from graphile_worker.jobs where key = ${queueJobKey(id)}`,
  );
  return rows[0];
}

/** Waits until graphile-worker has removed job `id`'s entry (it does so just after the task returns). */
export async function waitForQueueEntryGone(id: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await queueEntry(id)) !== undefined) {
    if (Date.now() > deadline) throw new Error(`queue entry of job ${id} still there after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
