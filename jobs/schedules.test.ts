import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, getDb } from '@/db/client';
import { auditEvents, jobs, schedules, taskSettings } from '@/db/schema';
import { createTestUser, waitForJobStatus } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { ForbiddenError, NotFoundError, ValidationError } from './errors';
import {
  addScheduleUnits,
  createSchedule,
  deleteSchedule,
  listSchedules,
  nextDueTime,
  repetitionInWords,
  runScheduledJob,
  scheduleJobKey,
  scheduleRuns,
  startSchedule,
  stopSchedule,
} from './schedules';
import type { PersonViewer } from './viewer';
import { rescueDeadWorkers } from './worker/rescue';
import { startWorker, type RunningWorker } from './worker/start-worker';

const databaseUrl = setUpTestDatabase();
const web = { origin: 'web' as const };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let admin: PersonViewer;
let user: PersonViewer;
let auditor: PersonViewer;

beforeAll(async () => {
  admin = await createTestUser('admin');
  user = await createTestUser('user');
  auditor = await createTestUser('auditor');
});

/** graphile-worker's entries for a schedule, through its public `jobs` view. */
async function runnerEntries(scheduleId: number) {
  const rows = await getDb().execute<{ task_identifier: string; run_at: string; locked_at: string | null }>(
    sql`select task_identifier, run_at, locked_at from graphile_worker.jobs where key = ${scheduleJobKey(scheduleId)}`,
  );
  return rows.map((row) => ({ task: row.task_identifier, runAt: new Date(row.run_at), locked: row.locked_at !== null }));
}

async function scheduleRow(id: number) {
  const [row] = await getDb().select().from(schedules).where(eq(schedules.id, id));
  return row;
}

async function jobsOf(scheduleId: number) {
  return getDb().select().from(jobs).where(eq(jobs.scheduleId, scheduleId)).orderBy(jobs.id);
}

async function auditCount(action?: string): Promise<number> {
  const [row] = await getDb()
    .select({ n: count() })
    .from(auditEvents)
    .where(action ? eq(auditEvents.action, action) : undefined);
  return row!.n;
}

async function auditRowsFor(scheduleId: number, action: string) {
  return getDb()
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), sql`${auditEvents.details}->>'scheduleId' = ${String(scheduleId)}`))
    .orderBy(auditEvents.id);
}

/**
 * As if `ms` went by: the schedule's times and its graphile-worker entry move that far into the
 * past (workers see a due entry at their next poll, graphile-worker's reschedule sends no NOTIFY).
 */
async function letTimePass(scheduleId: number, ms: number): Promise<void> {
  await getDb().transaction(async (tx) => {
    const by = sql`make_interval(secs => ${ms / 1000})`;
    await tx.execute(sql`
      update schedules set first_run_at = first_run_at - ${by}, next_run_at = next_run_at - ${by}, last_run_at = last_run_at - ${by}
      where id = ${scheduleId}`);
    await tx.execute(sql`
      select 1 from graphile_worker.reschedule_jobs(
        array(select id from graphile_worker.jobs where key = ${scheduleJobKey(scheduleId)}),
        run_at => (select next_run_at from schedules where id = ${scheduleId}))`);
  });
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

const longRun = { durationSeconds: 1, steps: 1 };

describe('due times', () => {
  it('add fixed lengths for minutes, hours and days, calendar months clamped to the month’s end', () => {
    const at = (iso: string) => new Date(iso);
    expect(addScheduleUnits(at('2026-03-01T10:00:00Z'), 'minutes', 90)).toEqual(at('2026-03-01T11:30:00Z'));
    expect(addScheduleUnits(at('2026-03-28T10:00:00Z'), 'days', 3)).toEqual(at('2026-03-31T10:00:00Z'));
    expect(addScheduleUnits(at('2026-01-31T10:00:00Z'), 'months', 1)).toEqual(at('2026-02-28T10:00:00Z'));
    expect(addScheduleUnits(at('2028-01-31T10:00:00Z'), 'months', 1)).toEqual(at('2028-02-29T10:00:00Z'));
    expect(addScheduleUnits(at('2026-11-30T23:59:00Z'), 'months', 3)).toEqual(at('2027-02-28T23:59:00Z'));

    // Counted from the first run: a monthly schedule from Jan 31 keeps to the end of the month.
    const first = at('2026-01-31T10:00:00Z');
    const series: Date[] = [];
    let after = first;
    for (let i = 0; i < 4; i++) series.push((after = nextDueTime(first, 1, 'months', after)));
    expect(series.map((date) => date.toISOString())).toEqual([
      '2026-02-28T10:00:00.000Z',
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
      '2026-05-31T10:00:00.000Z',
    ]);
    expect(nextDueTime(first, 5, 'minutes', at('2026-01-31T10:12:00Z'))).toEqual(at('2026-01-31T10:15:00Z'));
    expect(nextDueTime(first, 5, 'minutes', at('2026-01-31T10:15:00Z'))).toEqual(at('2026-01-31T10:20:00Z'));
    expect(nextDueTime(first, 2, 'days', at('2026-01-20T00:00:00Z'))).toEqual(first);
    expect(repetitionInWords(5, 'minutes')).toBe('every 5 minutes');
    expect(repetitionInWords(1, 'months')).toBe('every month');
    expect(repetitionInWords(null, null)).toBe('once');
  });

  it('agree with PostgreSQL’s interval arithmetic for months', async () => {
    for (const [start, months] of [
      ['2026-01-31T10:00:00Z', 1],
      ['2028-01-31T10:00:00Z', 1],
      ['2026-03-31T00:30:00Z', 1],
      ['2026-08-31T12:00:00Z', 18],
    ] as const) {
      const [row] = await getDb().execute<{ at: string }>(
        sql`select to_char((${start}::timestamptz at time zone 'UTC' + make_interval(months => ${months}::int)), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at`,
      );
      expect(addScheduleUnits(new Date(start), 'months', months)).toEqual(new Date(row!.at));
    }
  });
});

describe('creating, starting, stopping, deleting (no worker)', () => {
  it('validates the task, the arguments with the task’s own schema, the first run and the repetition, writing nothing', async () => {
    const before = { schedules: (await getDb().select({ n: count() }).from(schedules))[0]!.n, audit: await auditCount() };
    const valid = { task: 'long-running', arguments: '{"durationSeconds": 5}', firstRunAt: new Date(Date.now() + HOUR), repeatUnit: 'none' };
    const errorsOf = async (input: Record<string, unknown>) => {
      const error = await createSchedule(getDb(), admin, { ...valid, ...input }, web).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).fieldErrors;
    };

    expect(await errorsOf({ task: 'no-such-task' })).toEqual({ task: ['Unknown task'] });
    expect(await errorsOf({ task: 'bulk-action' })).toEqual({ task: ['Unknown task'] }); // hidden: the console launches it itself
    expect(await errorsOf({ task: '' })).toEqual({ task: ['Choose a task.'] });
    expect(await errorsOf({ arguments: '{"durationSeconds": ' })).toEqual({ arguments: ['The arguments are not valid JSON (e.g. {"durationSeconds": 30}).'] });
    expect(await errorsOf({ arguments: '[1, 2]' })).toEqual({ arguments: ['The arguments must be a JSON object (e.g. {"durationSeconds": 30}).'] });
    expect(await errorsOf({ arguments: '{"durationSeconds": 0, "steps": 101}' })).toEqual({ arguments: ['durationSeconds: At least 1 second', 'steps: At most 100 steps'] });
    expect(await errorsOf({ task: 'csv-import-check', arguments: '{}' })).toEqual({ arguments: [expect.stringMatching(/^csv: /)] });
    expect(await errorsOf({ firstRunAt: undefined })).toEqual({ firstRunAt: ['Enter a date and time (UTC), e.g. 2026-11-21T14:00.'] });
    expect(await errorsOf({ firstRunAt: 'tomorrow' })).toEqual({ firstRunAt: ['Enter a date and time (UTC), e.g. 2026-11-21T14:00.'] });
    expect(await errorsOf({ firstRunAt: new Date(Date.now() - 25 * HOUR) })).toEqual({ firstRunAt: ['The first run cannot be more than a day in the past.'] });
    expect(await errorsOf({ repeatUnit: 'minutes', repeatEvery: '' })).toEqual({ repeatEvery: ['Enter how many minutes apart the runs are (1 to 1000).'] });
    expect(await errorsOf({ repeatUnit: 'hours', repeatEvery: '1001' })).toEqual({ repeatEvery: ['At most 1000.'] });
    expect(await errorsOf({ repeatUnit: 'days', repeatEvery: 0 })).toEqual({ repeatEvery: ['At least 1.'] });
    expect(await errorsOf({ repeatUnit: 'days', repeatEvery: '1.5' })).toEqual({ repeatEvery: ['Enter a whole number.'] });
    expect(await errorsOf({ repeatUnit: 'weeks', repeatEvery: 1 })).toEqual({ repeatUnit: ['Choose none, minutes, hours, days or months.'] });
    expect(await errorsOf({ priority: 'urgent' })).toEqual({ priority: ['Choose one of critical, high, normal, low.'] });

    await getDb().insert(taskSettings).values({ task: 'failing', active: false });
    expect(await errorsOf({ task: 'failing', arguments: '{}' })).toEqual({ task: ['The task "Failing task" is inactive: an admin turned it off.'] });
    await getDb().delete(taskSettings).where(eq(taskSettings.task, 'failing'));

    expect((await getDb().select({ n: count() }).from(schedules))[0]!.n).toBe(before.schedules);
    expect(await auditCount()).toBe(before.audit);
  });

  it('reads a date and time without a zone as UTC, and a first run in the past as now', async () => {
    const later = await createSchedule(getDb(), admin, { task: 'long-running', arguments: '', firstRunAt: '2030-01-02T03:04', start: false }, web);
    expect(await scheduleRow(later)).toMatchObject({
      firstRunAt: new Date('2030-01-02T03:04:00Z'),
      payload: { durationSeconds: 30, steps: 10, ignoreStopRequests: false }, // the task's defaults, as a launch stores them
      repeatEvery: null,
      repeatUnit: null,
      active: false,
      nextRunAt: null,
      ownerId: admin.id,
    });
    const before = Date.now();
    const past = await createSchedule(getDb(), admin, { task: 'long-running', firstRunAt: new Date(before - 2 * HOUR), start: false }, web);
    const row = (await scheduleRow(past))!;
    expect(row.firstRunAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row.firstRunAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await runnerEntries(later)).toEqual([]);
    expect((await auditRowsFor(later, 'schedule.create'))[0]).toMatchObject({ actorId: admin.id, origin: 'web', details: { task: 'long-running', repeat: 'once' } });
    await deleteSchedule(getDb(), admin, later, web);
    await deleteSchedule(getDb(), admin, past, web);
  });

  it('refuses users and auditors, writing nothing; a missing schedule is not found', async () => {
    const id = await createSchedule(getDb(), admin, { task: 'long-running', firstRunAt: new Date(Date.now() + HOUR), start: false }, web);
    const before = await scheduleRow(id);
    const audit = await auditCount();
    const input = { task: 'long-running', firstRunAt: new Date(Date.now() + HOUR) };
    for (const viewer of [user, auditor]) {
      await expect(createSchedule(getDb(), viewer, input, web)).rejects.toThrow(ForbiddenError);
      await expect(startSchedule(getDb(), viewer, id, web)).rejects.toThrow(ForbiddenError);
      await expect(stopSchedule(getDb(), viewer, id, web)).rejects.toThrow(ForbiddenError);
      await expect(deleteSchedule(getDb(), viewer, id, web)).rejects.toThrow(ForbiddenError);
      await expect(listSchedules(getDb(), viewer)).rejects.toThrow(ForbiddenError);
      await expect(scheduleRuns(getDb(), viewer, id)).rejects.toThrow(ForbiddenError);
    }
    // The command line manages schedules but cannot own one: it has no account to launch as.
    await expect(createSchedule(getDb(), { kind: 'cli', osUser: 'ops' }, input, { origin: 'cli' })).rejects.toThrow(ForbiddenError);
    await expect(startSchedule(getDb(), admin, 999_999_999, web)).rejects.toThrow(NotFoundError);
    await expect(stopSchedule(getDb(), admin, 999_999_999, web)).rejects.toThrow(NotFoundError);
    await expect(deleteSchedule(getDb(), admin, 999_999_999, web)).rejects.toThrow(NotFoundError);

    expect(await getDb().select().from(schedules)).toEqual([before]);
    expect(await runnerEntries(id)).toEqual([]);
    expect(await auditCount()).toBe(audit);
    await deleteSchedule(getDb(), admin, id, web);
  });

  it('start adds exactly one graphile-worker entry keyed schedule:<id> at the first run; stop removes it; delete removes the schedule', async () => {
    const first = new Date(Math.ceil((Date.now() + HOUR) / 1000) * 1000);
    const id = await createSchedule(getDb(), admin, { task: 'long-running', arguments: longRun, firstRunAt: first, repeatUnit: 'minutes', repeatEvery: 5, start: false }, web);
    expect(await runnerEntries(id)).toEqual([]);

    expect(await startSchedule(getDb(), admin, id, web)).toBe(true);
    expect(await scheduleRow(id)).toMatchObject({ active: true, nextRunAt: first });
    expect(await runnerEntries(id)).toEqual([{ task: 'jobs-console:schedule', runAt: first, locked: false }]);
    expect(await startSchedule(getDb(), admin, id, web)).toBe(false); // already started: nothing changes
    expect(await runnerEntries(id)).toHaveLength(1);
    expect(await auditRowsFor(id, 'schedule.start')).toEqual([expect.objectContaining({ actorId: admin.id, details: expect.objectContaining({ nextRunAt: first.toISOString() }) })]);

    expect(await stopSchedule(getDb(), admin, id, web)).toBe(true);
    expect(await scheduleRow(id)).toMatchObject({ active: false, nextRunAt: null });
    expect(await runnerEntries(id)).toEqual([]);
    expect(await stopSchedule(getDb(), admin, id, web)).toBe(false);
    expect(await auditRowsFor(id, 'schedule.stop')).toHaveLength(1);

    // Created started: the same entry at once.
    const started = await createSchedule(getDb(), admin, { task: 'long-running', arguments: longRun, firstRunAt: first }, web);
    expect(await runnerEntries(started)).toEqual([{ task: 'jobs-console:schedule', runAt: first, locked: false }]);
    await deleteSchedule(getDb(), admin, started, web);
    expect(await scheduleRow(started)).toBeUndefined();
    expect(await runnerEntries(started)).toEqual([]);
    expect(await auditRowsFor(started, 'schedule.delete')).toHaveLength(1);
    await deleteSchedule(getDb(), admin, id, web);
  });

  it('a pending run left locked by a worker that died is released by the rescue, not after 4 hours', async () => {
    const id = await createSchedule(getDb(), admin, { task: 'long-running', arguments: longRun, firstRunAt: new Date(Date.now() + HOUR), repeatUnit: 'hours', repeatEvery: 1 }, web);
    // As graphile-worker leaves it when its worker is killed while firing the run.
    await getDb().execute(sql`update graphile_worker._private_jobs set locked_by = 'dead-worker', locked_at = now() - interval '2 minutes' where key = ${scheduleJobKey(id)}`);
    expect((await runnerEntries(id))[0]!.locked).toBe(true);
    expect((await rescueDeadWorkers(getDb(), { deadAfterSeconds: 300 })).unlockedScheduleWorkers).toBe(0);
    expect((await rescueDeadWorkers(getDb(), { deadAfterSeconds: 60 })).unlockedScheduleWorkers).toBe(1);
    expect((await runnerEntries(id))[0]!.locked).toBe(false);
    await deleteSchedule(getDb(), admin, id, web);
  });

  it('starting a schedule whose first run has passed: a repeating one waits for its next due time, a one-off runs now', async () => {
    const repeating = await createSchedule(getDb(), admin, { task: 'long-running', firstRunAt: new Date(Date.now() + HOUR), repeatUnit: 'minutes', repeatEvery: 1, start: false }, web);
    const once = await createSchedule(getDb(), admin, { task: 'long-running', firstRunAt: new Date(Date.now() + HOUR), start: false }, web);
    await getDb()
      .update(schedules)
      .set({ firstRunAt: sql`date_trunc('milliseconds', now()) - interval '150 seconds'` })
      .where(sql`${schedules.id} in (${repeating}, ${once})`);
    const before = Date.now();
    await startSchedule(getDb(), admin, repeating, web);
    await startSchedule(getDb(), admin, once, web);
    const row = (await scheduleRow(repeating))!;
    expect(row.nextRunAt!.getTime() - row.firstRunAt.getTime()).toBe(3 * MINUTE);
    expect((await runnerEntries(repeating))[0]!.runAt).toEqual(row.nextRunAt);
    const oneOff = (await scheduleRow(once))!;
    expect(oneOff.nextRunAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(oneOff.nextRunAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    await deleteSchedule(getDb(), admin, repeating, web);
    await deleteSchedule(getDb(), admin, once, web);
  });

  it('two runners for the same due time launch one job: the second waits for the row lock and finds it not due', async () => {
    const id = await createSchedule(getDb(), admin, { task: 'long-running', arguments: longRun, firstRunAt: new Date(Date.now() + HOUR), repeatUnit: 'hours', repeatEvery: 2 }, web);
    await getDb().update(schedules).set({ nextRunAt: sql`date_trunc('milliseconds', now()) - interval '1 second'` }).where(eq(schedules.id, id));
    const [a, b] = [createDb(databaseUrl(), { max: 1 }), createDb(databaseUrl(), { max: 1 })];
    try {
      const outcomes = await Promise.all([runScheduledJob(a.db, id), runScheduledJob(b.db, id)]);
      expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['launched', 'nothing']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(await jobsOf(id)).toHaveLength(1);
    expect(await runnerEntries(id)).toHaveLength(1);
    await deleteSchedule(getDb(), admin, id, web);
  });
});

describe('running (two workers)', () => {
  let workers: RunningWorker[] = [];
  beforeAll(async () => {
    workers = [await startWorker({ databaseUrl: databaseUrl(), concurrency: 2 }), await startWorker({ databaseUrl: databaseUrl(), concurrency: 2 })];
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
  });

  it('a schedule due twice runs twice, once each, with two workers running', async () => {
    const id = await createSchedule(
      getDb(),
      admin,
      { task: 'long-running', arguments: { durationSeconds: 1, steps: 10 }, firstRunAt: new Date(Date.now() - 2 * MINUTE), repeatUnit: 'minutes', repeatEvery: 1 },
      web,
    );
    const first = (await scheduleRow(id))!.firstRunAt; // in the past: now

    // First due time: at once.
    const [run1] = await waitFor('first run', () => jobsOf(id), (rows) => rows.length >= 1);
    expect(run1).toMatchObject({ origin: 'schedule', ownerId: admin.id, scheduleId: id, task: 'long-running', payload: { durationSeconds: 1, steps: 10, ignoreStopRequests: false } });
    let row = (await scheduleRow(id))!;
    expect(row.lastRunAt).toEqual(run1!.createdAt); // the launch's own transaction time
    expect(row.nextRunAt).toEqual(new Date(first.getTime() + MINUTE));
    expect(await runnerEntries(id)).toEqual([{ task: 'jobs-console:schedule', runAt: row.nextRunAt, locked: false }]);

    // A minute goes by: the second due time.
    await letTimePass(id, MINUTE);
    const runs = await waitFor('second run', () => jobsOf(id), (rows) => rows.length >= 2);
    row = (await scheduleRow(id))!;
    expect(row.nextRunAt!.getTime() - row.firstRunAt.getTime()).toBe(2 * MINUTE);
    expect(row.lastRunAt!.getTime()).toBeGreaterThanOrEqual(runs[0]!.createdAt.getTime());

    // Longer than graphile-worker's poll interval (2 s), with two workers polling: still two.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const all = await jobsOf(id);
    expect(all).toHaveLength(2);
    expect(all.every((job) => job.origin === 'schedule' && job.scheduleId === id)).toBe(true);
    expect(await auditRowsFor(id, 'job.launch')).toHaveLength(2);
    expect(await runnerEntries(id)).toEqual([{ task: 'jobs-console:schedule', runAt: row.nextRunAt, locked: false }]);
    for (const job of all) await waitForJobStatus(job.id, ['completed']);

    // What the page shows.
    const summary = (await listSchedules(getDb(), admin)).find((schedule) => schedule.id === id)!;
    expect(summary).toMatchObject({
      taskTitle: 'Long-running task',
      repetition: 'every minute',
      state: 'scheduled',
      nextRunAt: row.nextRunAt,
      lastJob: { id: all[1]!.id, status: 'completed', result: 'ok', warnings: 0, errors: 0 },
      owner: admin.email,
    });
    const shown = await scheduleRuns(getDb(), admin, id, 5);
    expect(shown.map((run) => run.id)).toEqual([all[1]!.id, all[0]!.id]);
    expect(shown[0]!.result).toBe('ok');
    expect(shown[0]!.logTail.map((line) => line.message)).toEqual(['Step 6 of 10 done.', 'Step 7 of 10 done.', 'Step 8 of 10 done.', 'Step 9 of 10 done.', 'Step 10 of 10 done.']);

    await stopSchedule(getDb(), admin, id, web);
    expect((await listSchedules(getDb(), admin)).find((schedule) => schedule.id === id)!.state).toBe('idle');
  });

  it('runs missed while the workers were down are not run one by one: one run, then on from now', async () => {
    const id = await createSchedule(getDb(), admin, { task: 'long-running', arguments: longRun, firstRunAt: new Date(Date.now() + HOUR), repeatUnit: 'minutes', repeatEvery: 1 }, web);
    await letTimePass(id, HOUR + 10 * MINUTE); // ten due times went by unseen
    await waitFor('the catch-up run', () => jobsOf(id), (rows) => rows.length >= 1);
    const row = (await scheduleRow(id))!;
    expect(row.nextRunAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
    expect(row.nextRunAt!.getTime()).toBeLessThanOrEqual(Date.now() + MINUTE);
    expect((row.nextRunAt!.getTime() - row.firstRunAt.getTime()) % MINUTE).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await jobsOf(id)).toHaveLength(1);
    await stopSchedule(getDb(), admin, id, web);
  });

  it('a one-off runs once and stops', async () => {
    const id = await createSchedule(getDb(), admin, { task: 'long-running', arguments: longRun, firstRunAt: new Date(), priority: 'high' }, web);
    const [job] = await waitFor('the run', () => jobsOf(id), (rows) => rows.length >= 1);
    expect(job!.priority).toBe('high');
    const row = await waitFor('the schedule to stop', () => scheduleRow(id), (current) => current?.active === false);
    expect(row).toMatchObject({ active: false, nextRunAt: null });
    expect(row!.lastRunAt).not.toBeNull();
    expect(await runnerEntries(id)).toEqual([]);
  });

  it("an inactive task's schedule launches nothing, records schedule.skipped and goes on to its next due time", async () => {
    const id = await createSchedule(getDb(), admin, { task: 'failing', arguments: { delaySeconds: 0 }, firstRunAt: new Date(Date.now() + HOUR), repeatUnit: 'minutes', repeatEvery: 1 }, web);
    await getDb().insert(taskSettings).values({ task: 'failing', active: false });
    try {
      await letTimePass(id, HOUR);
      const [skipped] = await waitFor('schedule.skipped', () => auditRowsFor(id, 'schedule.skipped'), (rows) => rows.length >= 1);
      expect(skipped).toMatchObject({
        actorId: admin.id,
        actorRole: 'schedule',
        origin: 'schedule',
        jobCount: 0,
        details: expect.objectContaining({ reason: 'The task "Failing task" is inactive: an admin turned it off.' }),
      });
      const row = (await scheduleRow(id))!;
      expect(row).toMatchObject({ active: true, lastRunAt: null });
      expect(row.nextRunAt!.getTime() - row.firstRunAt.getTime()).toBe(MINUTE);
      expect(await runnerEntries(id)).toEqual([{ task: 'jobs-console:schedule', runAt: row.nextRunAt, locked: false }]);
      expect(await jobsOf(id)).toEqual([]);
    } finally {
      await getDb().delete(taskSettings).where(eq(taskSettings.task, 'failing'));
      await stopSchedule(getDb(), admin, id, web);
    }
  });
});
