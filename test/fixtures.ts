import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { jobs, type Job, type JobStatus, type UserRole } from '@/db/schema';
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
