import { count, desc, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobs, taskSettings } from '@/db/schema';
import { createTestUser, jobRow } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { runBulk } from './bulk';
import { findTask, tasksLaunchableBy } from './catalogue';
import { cancelJob, retryJob } from './control';
import { enqueueJobs } from './enqueue';
import { ForbiddenError, ValidationError } from './errors';
import { launchJob } from './launch';
import { inactiveTaskNames, isTaskActive, listTaskSettings, setTaskActive, setTaskNote } from './task-settings';
import type { CliViewer, PersonViewer } from './viewer';

setUpTestDatabase();

const web = { origin: 'web' as const };
const cliSource = { origin: 'cli' as const };
const cli: CliViewer = { kind: 'cli', osUser: 'operator' };
const inactiveMessage = 'The task "Failing task" is inactive: an admin turned it off.';
const failingArgs = { message: 'x', delaySeconds: 0 };

let user: PersonViewer;
let admin: PersonViewer;
let auditor: PersonViewer;

beforeAll(async () => {
  user = await createTestUser('user');
  admin = await createTestUser('admin');
  auditor = await createTestUser('auditor');
});

/** Rows that any launch, retry or settings change would add to. */
async function counts() {
  const [queue] = await getDb().execute<{ n: string }>(sql`select count(*) as n from graphile_worker.jobs`);
  return {
    jobs: (await getDb().select({ n: count() }).from(jobs))[0]!.n,
    queue: Number(queue!.n),
    audit: (await getDb().select({ n: count() }).from(auditEvents))[0]!.n,
    settings: (await getDb().select({ n: count() }).from(taskSettings))[0]!.n,
  };
}

async function lastAudit() {
  const [row] = await getDb().select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  return row!;
}

describe('task settings', () => {
  it('every task is active with no note until an admin changes it; only admins and the command line read them', async () => {
    const settings = await listTaskSettings(getDb(), admin);
    expect(settings.get('failing')).toEqual({ task: 'failing', active: true, note: null, changedAt: null, changedBy: null });
    expect(settings.get('bulk-action')?.active).toBe(true);
    expect((await listTaskSettings(getDb(), cli)).size).toBe(settings.size);
    await expect(listTaskSettings(getDb(), user)).rejects.toThrow(ForbiddenError);
    await expect(listTaskSettings(getDb(), auditor)).rejects.toThrow(ForbiddenError);
    expect(await isTaskActive(getDb(), 'failing')).toBe(true);
  });

  it('an inactive task cannot be launched by a user, an admin or the CLI: the same message, and no job, queue entry or audit row', async () => {
    expect(await setTaskActive(getDb(), admin, 'failing', false, web)).toBe(true);
    expect(await lastAudit()).toMatchObject({ action: 'task.deactivate', actorId: admin.id, origin: 'web', details: { task: 'failing' } });
    const before = await counts();

    for (const [viewer, source] of [
      [user, web],
      [admin, web],
      [cli, cliSource],
    ] as const) {
      const error = await launchJob(viewer, 'failing', failingArgs, source).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ForbiddenError);
      expect((error as Error).message).toBe(inactiveMessage);
    }
    // Refused before the arguments are read: correcting them would not help.
    await expect(launchJob(user, 'failing', { delaySeconds: 'soon' }, web)).rejects.toThrow(new ForbiddenError(inactiveMessage));
    expect(await counts()).toEqual(before);

    expect(await isTaskActive(getDb(), 'failing')).toBe(false);
    expect(await inactiveTaskNames(getDb())).toEqual(new Set(['failing']));
    expect(tasksLaunchableBy(user, await inactiveTaskNames(getDb())).map((task) => task.name)).not.toContain('failing');
    expect(tasksLaunchableBy(admin, await inactiveTaskNames(getDb())).map((task) => task.name)).not.toContain('failing');
    // Other tasks are not affected.
    expect(await launchJob(user, 'long-running', { durationSeconds: 1, steps: 1 }, web)).toBeGreaterThan(0);
  });

  it('activated again, the task launches for everyone and is offered again', async () => {
    expect(await setTaskActive(getDb(), admin, 'failing', true, web)).toBe(true);
    expect(await lastAudit()).toMatchObject({ action: 'task.activate', actorId: admin.id, details: { task: 'failing' } });
    expect(await inactiveTaskNames(getDb())).toEqual(new Set());
    expect(tasksLaunchableBy(user, new Set()).map((task) => task.name)).toContain('failing');
    const ids = [await launchJob(user, 'failing', failingArgs, web), await launchJob(admin, 'failing', failingArgs, web), await launchJob(cli, 'failing', failingArgs, cliSource)];
    for (const id of ids) expect((await jobRow(id)).status).toBe('queued');
  });

  it('turning a task to the state it has changes and audits nothing', async () => {
    const before = await counts();
    expect(await setTaskActive(getDb(), admin, 'long-running', true, web)).toBe(false);
    expect(await setTaskActive(getDb(), admin, 'failing', true, web)).toBe(false);
    expect(await counts()).toEqual(before);
    expect(await setTaskActive(getDb(), admin, 'long-running', false, web)).toBe(true);
    expect(await setTaskActive(getDb(), admin, 'long-running', false, web)).toBe(false);
    expect(await setTaskActive(getDb(), admin, 'long-running', true, web)).toBe(true);
    expect((await counts()).audit - before.audit).toBe(2);
  });

  it('the command line changes settings too, audited as the CLI', async () => {
    expect(await setTaskActive(getDb(), cli, 'history-report', false, cliSource)).toBe(true);
    expect(await lastAudit()).toMatchObject({ action: 'task.deactivate', actorId: null, actorRole: 'cli', actorLabel: 'operator (cli)', origin: 'cli' });
    expect((await listTaskSettings(getDb(), admin)).get('history-report')).toMatchObject({ active: false, changedBy: 'the command line' });
    await expect(launchJob(cli, 'history-report', {}, cliSource)).rejects.toThrow('The task "Job history report" is inactive: an admin turned it off.');
    expect(await setTaskActive(getDb(), cli, 'history-report', true, cliSource)).toBe(true);
  });

  it('a user or an auditor cannot change settings: forbidden, nothing written', async () => {
    const before = await counts();
    for (const viewer of [user, auditor]) {
      await expect(setTaskActive(getDb(), viewer, 'failing', false, web)).rejects.toThrow(new ForbiddenError('Only administrators change task settings.'));
      await expect(setTaskActive(getDb(), viewer, 'failing', true, web)).rejects.toThrow(ForbiddenError);
      await expect(setTaskNote(getDb(), viewer, 'failing', 'mine now', web)).rejects.toThrow(ForbiddenError);
    }
    expect(await counts()).toEqual(before);
    expect(await isTaskActive(getDb(), 'failing')).toBe(true);
  });

  it('an unknown or missing task name is refused with a clear message, nothing written', async () => {
    const before = await counts();
    await expect(setTaskActive(getDb(), admin, 'no-such-task', false, web)).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'There is no task called "no-such-task".',
      fieldErrors: { task: ['Unknown task'] },
    });
    await expect(setTaskNote(getDb(), admin, 'no-such-task', 'a note', web)).rejects.toMatchObject({ name: 'ValidationError', message: 'There is no task called "no-such-task".' });
    await expect(setTaskActive(getDb(), admin, '  ', false, web)).rejects.toMatchObject({ name: 'ValidationError', message: 'Name a task.' });
    await expect(setTaskActive(getDb(), admin, 42, false, web)).rejects.toThrow(ValidationError);
    expect(await counts()).toEqual(before);
  });

  it('notes: trimmed, at most 2,000 characters, empty clears; each change audited once', async () => {
    const note = (name: string) => listTaskSettings(getDb(), admin).then((settings) => settings.get(name)!.note);

    expect(await setTaskNote(getDb(), admin, 'csv-import-check', '  Checks only; the import itself is next month.  \n', web)).toBe(true);
    expect(await note('csv-import-check')).toBe('Checks only; the import itself is next month.');
    expect(await lastAudit()).toMatchObject({ action: 'task.note', actorId: admin.id, details: { task: 'csv-import-check', note: 'Checks only; the import itself is next month.' } });
    expect((await listTaskSettings(getDb(), admin)).get('csv-import-check')).toMatchObject({ active: true, changedBy: admin.email });

    const before = await counts();
    // The same note again, once trimmed: nothing to write.
    expect(await setTaskNote(getDb(), admin, 'csv-import-check', 'Checks only; the import itself is next month.', web)).toBe(false);
    expect(await counts()).toEqual(before);

    const longest = 'n'.repeat(2000);
    expect(await setTaskNote(getDb(), admin, 'csv-import-check', `  ${longest}  `, web)).toBe(true);
    expect(await note('csv-import-check')).toBe(longest);
    for (const [bad, message] of [
      [`${longest}n`, 'A note has at most 2,000 characters.'],
      ['before\u0000after', 'A note cannot contain NUL characters.'],
      [null, 'The note must be text.'],
    ] as const) {
      await expect(setTaskNote(getDb(), admin, 'csv-import-check', bad, web)).rejects.toMatchObject({
        name: 'ValidationError',
        message: 'The note for "CSV import check" is not valid.',
        fieldErrors: { note: [message] },
      });
    }
    expect(await note('csv-import-check')).toBe(longest);

    expect(await setTaskNote(getDb(), admin, 'csv-import-check', '   ', web)).toBe(true);
    expect(await note('csv-import-check')).toBeNull();
    expect(await lastAudit()).toMatchObject({ action: 'task.note', details: { task: 'csv-import-check', note: null } });
    // Clearing a task that has no note writes nothing, not even a row of defaults.
    const cleared = await counts();
    expect(await setTaskNote(getDb(), admin, 'queue-maintenance', '', web)).toBe(false);
    expect(await counts()).toEqual(cleared);
    // A note leaves the active flag alone, and the other way round.
    await setTaskNote(getDb(), admin, 'queue-maintenance', 'Run on Sundays.', web);
    await setTaskActive(getDb(), admin, 'queue-maintenance', false, web);
    expect((await listTaskSettings(getDb(), admin)).get('queue-maintenance')).toMatchObject({ active: false, note: 'Run on Sundays.' });
    await setTaskActive(getDb(), admin, 'queue-maintenance', true, web);
    expect((await listTaskSettings(getDb(), admin)).get('queue-maintenance')).toMatchObject({ active: true, note: 'Run on Sundays.' });
  });

  it('a job of an inactive task cannot be retried (the same message); a bulk retry skips it; activated, it retries', async () => {
    // Scheduled an hour ahead (no worker runs here), then cancelled: a job that could be retried.
    const [id] = (await enqueueJobs(getDb(), [
      { task: findTask('failing')!, payload: failingArgs, origin: 'web', ownerId: user.id, runAt: new Date(Date.now() + 3_600_000) },
    ])) as [number];
    await cancelJob(getDb(), user, id, web);
    await setTaskActive(getDb(), admin, 'failing', false, web);
    const before = await counts();

    await expect(retryJob(getDb(), user, id, web)).rejects.toThrow(new ValidationError(inactiveMessage));
    await expect(retryJob(getDb(), admin, id, web)).rejects.toThrow(new ValidationError(inactiveMessage));
    await expect(retryJob(getDb(), cli, id, cliSource)).rejects.toThrow(new ValidationError(inactiveMessage));
    expect(await runBulk(getDb(), admin, { action: 'retry', ids: [id] }, web)).toEqual({ touched: 0, skipped: 1 });
    const after = await counts();
    expect({ ...after, audit: after.audit - 1 }).toEqual(before); // only the bulk action's own audit row

    await setTaskActive(getDb(), admin, 'failing', true, web);
    const retryId = await retryJob(getDb(), user, id, web);
    expect(await jobRow(retryId)).toMatchObject({ task: 'failing', retryOf: id, status: 'queued' });
    expect(await getDb().$count(jobs, eq(jobs.retryOf, id))).toBe(1);
  });
});
