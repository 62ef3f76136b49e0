import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { desc, eq, inArray, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobLogs, jobs, users } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { authenticate } from '@/lib/accounts';

const databaseUrl = setUpTestDatabase();
const bin = path.resolve(import.meta.dirname, '..', 'bin', 'jobs-console.mjs');

/** Runs the real CLI (as `jobs-console` would) against this file's database. */
function cli(args: string[], stdin = '', extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...extraEnv, DATABASE_URL: databaseUrl() } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const countRows = async () => ({ jobs: await getDb().$count(jobs), users: await getDb().$count(users), audit: await getDb().$count(auditEvents) });

describe('the CLI', () => {
  it('lists the task catalogue', async () => {
    const { code, stdout } = await cli(['tasks']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^NAME\s+TITLE\s+LAUNCHED BY\s+QUEUE\s+ACTIVE$/);
    expect(stdout).toMatch(/queue-maintenance\s+Queue maintenance\s+admins\s+maintenance\s+yes/);
  });

  it('turns a task off and on: enqueue of the inactive task exits 2 with the message and adds nothing; audited as the CLI', async () => {
    const off = await cli(['task', 'deactivate', 'failing']);
    expect({ code: off.code, stdout: off.stdout.trim() }).toEqual({ code: 0, stdout: 'Task failing deactivated: nobody can launch it until it is activated again.' });
    expect((await cli(['tasks'])).stdout).toMatch(/failing\s+Failing task\s+users and admins\s+default\s+no/);
    const before = await countRows();
    const refused = await cli(['enqueue', 'failing', '--args', '{"delaySeconds": 0}']);
    expect({ code: refused.code, stderr: refused.stderr.trim() }).toEqual({ code: 2, stderr: 'The task "Failing task" is inactive: an admin turned it off.' });
    expect(await countRows()).toEqual(before);
    const on = await cli(['task', 'activate', 'failing']);
    expect({ code: on.code, stdout: on.stdout.trim() }).toEqual({ code: 0, stdout: 'Task failing activated.' });
    const audits = await getDb().select({ action: auditEvents.action, role: auditEvents.actorRole, details: auditEvents.details }).from(auditEvents).where(like(auditEvents.action, 'task.%'));
    expect(audits).toEqual([
      { action: 'task.deactivate', role: 'cli', details: { task: 'failing' } },
      { action: 'task.activate', role: 'cli', details: { task: 'failing' } },
    ]);
  });

  it('enqueues a CLI job: no owner, the OS user recorded, the id printed, audited', async () => {
    const { code, stdout, stderr } = await cli(['enqueue', 'long-running', '--args', '{"durationSeconds": 3, "steps": 1}'], '', { FORCE_COLOR: '1' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\n$/); // just the id, even when colours are forced
    const id = Number(stdout.trim());
    const [row] = await getDb().select().from(jobs).where(eq(jobs.id, id));
    expect(row).toMatchObject({ origin: 'cli', ownerId: null, osUser: os.userInfo().username, status: 'queued', payload: { durationSeconds: 3, steps: 1 } });
    const [audit] = await getDb().select().from(auditEvents).where(eq(auditEvents.action, 'job.launch'));
    expect(audit).toMatchObject({ actorRole: 'cli', origin: 'cli', jobIds: [id] });
  });

  it('enqueues many at once with --count: one transaction, one id a line, one audit row', async () => {
    const { code, stdout, stderr } = await cli(['enqueue', 'ping', '--count', '25', '--args', '{"message": "many"}']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const ids = stdout.trim().split('\n').map(Number);
    expect(ids).toHaveLength(25);
    const rows = await getDb().select({ id: jobs.id, payload: jobs.payload, origin: jobs.origin }).from(jobs).where(inArray(jobs.id, ids));
    expect(rows.every((row) => row.origin === 'cli' && (row.payload as { message: string }).message === 'many')).toBe(true);
    const [audit] = await getDb().select().from(auditEvents).where(eq(auditEvents.action, 'job.launch')).orderBy(desc(auditEvents.id)).limit(1);
    expect(audit).toMatchObject({ jobIds: ids, jobCount: 25, details: { task: 'ping', count: 25 } });
  });

  it.each([
    [['enqueue', 'ping', '--count', '0'], '--count must be a whole number from 1 to 20000'],
    [['enqueue', 'ping', '--count', '20001'], '--count must be a whole number from 1 to 20000'],
    [['enqueue', 'ping', '--count', 'many'], '--count must be a whole number from 1 to 20000'],
    [['enqueue', 'no-such-task'], 'There is no task called "no-such-task".'],
    [['enqueue', 'long-running', '--args', '{"durationSeconds": "soon"}'], 'durationSeconds: Enter a whole number of seconds'],
    [['enqueue', 'long-running', '--args', '{not json'], '--args is not valid JSON'],
    [['enqueue', 'long-running', '--args', '[1, 2]'], '--args must be a JSON object.'],
    [['enqueue', 'long-running', '--bogus'], "Unknown option '--bogus'"],
    [['user', 'add', 'new@example.com', '--role', 'superuser'], 'The role must be one of: user, admin, auditor'],
    [['user', 'add', 'not-an-email', '--role', 'user'], 'user add takes one valid email'],
    [['show', 'abc'], 'show takes one job id'],
    [['enqueue', 'long-running', '--priority', 'urgent'], 'The priority must be one of critical, high, normal, low.'],
    [['cancel', '987654321'], 'There is no job 987654321.'],
    [['stop', 'x'], 'stop takes one job id'],
    [['priority', '1', 'urgent'], 'priority takes a job id and one of critical, high, normal, low'],
    [['pause', 'no-such-queue'], 'There is no queue "no-such-queue".'],
    [['task', 'deactivate', 'no-such-task'], 'There is no task called "no-such-task".'],
    [['frobnicate'], 'Unknown command "frobnicate"'],
  ])('refuses %j with exit code 2 and changes nothing', async (args, message) => {
    const before = await countRows();
    const { code, stderr } = await cli(args, 'a-long-enough-password\n');
    expect({ code, message: stderr.includes(message) }).toEqual({ code: 2, message: true });
    expect(await countRows()).toEqual(before);
  });

  it('adds an account with the password from standard input, and refuses a second one', async () => {
    const added = await cli(['user', 'add', 'Clerk@Example.com', '--role', 'auditor'], 'a-long-enough-password\n');
    expect({ code: added.code, stdout: added.stdout.trim() }).toEqual({ code: 0, stdout: 'Created auditor clerk@example.com.' });
    expect(await authenticate(getDb(), 'clerk@example.com', 'a-long-enough-password')).toMatchObject({ role: 'auditor' });
    const again = await cli(['user', 'add', 'clerk@example.com', '--role', 'user'], 'another-long-password\n');
    expect({ code: again.code, stderr: again.stderr.trim() }).toEqual({ code: 2, stderr: 'An account for clerk@example.com already exists.' });
  });

  it('refuses a short password', async () => {
    const { code, stderr } = await cli(['user', 'add', 'short@example.com', '--role', 'user'], 'short\n');
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 2, stderr: 'The password must be at least 12 characters' });
  });

  it('lists, shows and clears jobs as the command-line operator: CLI jobs only are cleared', async () => {
    const person = await createTestUser('user');
    const [personJob] = await getDb()
      .insert(jobs)
      .values({ task: 'long-running', title: 'Web job', status: 'completed', origin: 'web', ownerId: person.id })
      .returning({ id: jobs.id });
    const [cliJob] = await getDb()
      .insert(jobs)
      .values({ task: 'long-running', title: 'CLI job', status: 'failed', origin: 'cli', osUser: 'ops' })
      .returning({ id: jobs.id });

    const list = await cli(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${cliJob!.id}\\s+failed\\s+CLI job\\s+ops \\(cli\\)\\s+cli`, 'm'));
    expect(list.stdout).toMatch(new RegExp(`^${personJob!.id}\\s+completed\\s+Web job\\s+${person.email}\\s+web`, 'm'));

    const show = await cli(['show', String(personJob!.id)]);
    expect(show.stdout).toContain(`Job               ${personJob!.id}: Web job`);

    const clear = await cli(['clear-inactive']);
    expect({ code: clear.code, stdout: clear.stdout.trim() }).toEqual({ code: 0, stdout: 'Cleared 1 inactive CLI job.' });
    const cleared = await getDb().select({ id: jobs.id, clearedAt: jobs.clearedAt }).from(jobs);
    expect(cleared.filter((row) => row.clearedAt !== null).map((row) => row.id)).toEqual([cliJob!.id]);
  });

  it('prints user-controlled text without its control characters, so nothing runs in the terminal', async () => {
    const escape = '\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J';
    const [row] = await getDb()
      .insert(jobs)
      .values({ task: 'failing', title: `Hostile ${escape}`, status: 'failed', origin: 'cli', osUser: 'ops', message: `msg ${escape}`, error: `err ${escape}` })
      .returning({ id: jobs.id });
    await getDb().insert(jobLogs).values({ jobId: row!.id, level: 'error', message: `log ${escape}` });
    for (const args of [['show', String(row!.id)], ['list']]) {
      const { code, stdout } = await cli(args);
      expect({ args, code, hasEscape: /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(stdout) }).toEqual({ args, code: 0, hasEscape: false });
    }
    expect((await cli(['show', String(row!.id)])).stdout).toContain('err \\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J');
  });

  it('says when a job does not exist', async () => {
    const { code, stderr } = await cli(['show', '987654321']);
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 2, stderr: 'There is no job 987654321.' });
  });

  it('runs the queues and controls jobs: priority, pause, purge, resume, cancel, retry', async () => {
    const launched = await cli(['enqueue', 'long-running', '--args', '{"durationSeconds": 3, "steps": 1}', '--priority', 'low']);
    const id = Number(launched.stdout.trim());
    expect((await getDb().select({ priority: jobs.priority }).from(jobs).where(eq(jobs.id, id)))[0]!.priority).toBe('low');
    expect((await cli(['priority', String(id), 'high'])).stdout.trim()).toBe(`Job ${id} now has high priority.`);
    expect((await cli(['pause', 'default'])).stdout.trim()).toBe('Queue default paused.');
    expect((await cli(['queues'])).stdout).toMatch(/default\s+paused\s+\d+\s+0/);
    expect((await cli(['cancel', String(id)])).stdout.trim()).toBe('Cancelled: the job will not run.');
    const retried = await cli(['retry', String(id)]);
    expect(retried.stdout).toMatch(/^\d+\n$/);
    const retryId = Number(retried.stdout.trim());
    expect((await cli(['purge', 'default'])).stdout.trim()).toMatch(/^Queue default purged: [1-9]\d* waiting jobs? cancelled\.$/);
    expect((await getDb().select({ status: jobs.status, retryOf: jobs.retryOf }).from(jobs).where(eq(jobs.id, retryId)))[0]).toEqual({ status: 'cancelled', retryOf: id });
    expect((await cli(['resume', 'default'])).stdout.trim()).toBe('Queue default resumed.');
    const stop = await cli(['stop', String(id)]);
    expect({ code: stop.code, stderr: stop.stderr.trim() }).toEqual({ code: 2, stderr: `Job ${id} has already ended (cancelled); there is nothing to stop.` });
  });
});
