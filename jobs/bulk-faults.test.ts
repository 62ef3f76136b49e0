import { spawn } from 'node:child_process';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobs } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { runBulk } from './bulk';
import { findTask } from './catalogue';
import { enqueueJobs } from './enqueue';
import type { PersonViewer } from './viewer';

const databaseUrl = setUpTestDatabase();
const root = path.resolve(import.meta.dirname, '..');
const JOBS = 1_000;

describe('a process killed in the middle of a bulk action', () => {
  let owner: PersonViewer;
  beforeAll(async () => {
    owner = await createTestUser('user');
  });

  it('leaves whole batches done, each with its audit row, and nothing done without one', { timeout: 60_000 }, async () => {
    const task = findTask('long-running')!;
    // Waiting jobs (no worker runs in this file), so that only the bulk action changes them.
    const ids = await enqueueJobs(getDb(), Array.from({ length: JOBS }, () => ({ task, payload: { durationSeconds: 1, steps: 1 }, origin: 'web' as const, ownerId: owner.id })));
    const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'test/bulk-process.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl(), BULK_VIEWER: JSON.stringify(owner), BULK_REQUEST: JSON.stringify({ action: 'cancel', filter: { tab: 'active' } }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // SIGKILL as soon as the third batch has committed: the fourth is then under way.
    let output = '';
    const killed = await new Promise<boolean>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if ((output.match(/^batch done/gm) ?? []).length >= 3 && child.kill('SIGKILL')) resolve(true);
      });
      child.once('exit', () => resolve(false));
    });
    expect(killed, `the bulk finished before it could be killed: ${output}`).toBe(true);
    await new Promise((resolve) => (child.exitCode === null && child.signalCode === null ? child.once('exit', resolve) : resolve(undefined)));

    const cancelled = (await getDb().select({ id: jobs.id }).from(jobs).where(and(eq(jobs.status, 'cancelled'), sql`${jobs.id} = any(${`{${ids.join(',')}}`}::bigint[])`)))
      .map((row) => row.id)
      .sort((a, b) => a - b);
    const rows = await getDb()
      .select({ jobIds: auditEvents.jobIds, jobCount: auditEvents.jobCount, details: auditEvents.details })
      .from(auditEvents)
      .where(eq(auditEvents.action, 'jobs.bulk_cancel'));
    const recorded = rows.flatMap((row) => row.jobIds).sort((a, b) => a - b);
    // Killed part-way: some batches done, not all.
    expect(cancelled.length).toBeGreaterThanOrEqual(300);
    expect(cancelled.length).toBeLessThan(JOBS);
    expect(cancelled.length % 100).toBe(0);
    // Exactly the jobs changed are on the trail, each once, in rows of one bulk numbered from 1.
    expect(recorded).toEqual(cancelled);
    for (const row of rows) expect(row.jobCount).toBe(row.jobIds.length);
    expect(new Set(rows.map((row) => (row.details as { bulk: string }).bulk)).size).toBe(1);
    expect(rows.map((row) => (row.details as { part: number }).part).sort((a, b) => a - b)).toEqual(Array.from({ length: rows.length }, (_, index) => index + 1));
    // The rest still waits; running the bulk again finishes it.
    expect(await getDb().$count(jobs, and(eq(jobs.status, 'queued'), eq(jobs.ownerId, owner.id)))).toBe(JOBS - cancelled.length);
    expect(await runBulk(getDb(), owner, { action: 'cancel', filter: { tab: 'active' } }, { origin: 'web' })).toEqual({ touched: JOBS - cancelled.length, skipped: 0 });
    expect(await getDb().$count(jobs, and(eq(jobs.status, 'cancelled'), eq(jobs.ownerId, owner.id)))).toBe(JOBS);
  });
});
