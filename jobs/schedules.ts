import 'server-only';
import { desc, eq, sql } from 'drizzle-orm';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import type { Db, DbOrTx } from '@/db/client';
import {
  activeJobStatuses,
  auditEvents,
  jobPriorities,
  jobs,
  schedules,
  scheduleUnits,
  users,
  type JobPriority,
  type JobStatus,
  type LogLevel,
  type ScheduleUnit,
} from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import { findTask } from './catalogue';
import { enqueueJobs, queuePriority } from './enqueue';
import { fieldErrorsOf, ForbiddenError, NotFoundError, ValidationError } from './errors';
import { argumentsWithNul } from './launch';
import { canLaunchTask, canManageQueues } from './permissions';
import { joinSecrets, splitSecrets } from './secrets';
import { isTaskActive, taskInactiveMessage } from './task-settings';
import type { TaskDefinition } from './task';
import type { PersonViewer, Viewer } from './viewer';

/**
 * Schedules, for admins (the command line may list, start, stop and delete them, not create one: a
 * schedule launches as the account that created it): a task with its arguments, launched at a first
 * run time and then, optionally, every N minutes / hours / days / months. While a schedule is active,
 * graphile-worker holds exactly one entry for it (task `jobs-console:schedule`, job key
 * `schedule:<id>`, run_at = next_run_at), so schedules survive restarts and need no timer.
 *
 * Once per due time, whatever the number of workers:
 * - graphile-worker hands an entry to one worker only (SKIP LOCKED), and the job key keeps one
 *   entry per schedule;
 * - the runner locks the schedule row, launches the job, moves next_run_at and adds the next entry
 *   in ONE transaction, so a launch never happens without the schedule moving on, nor the reverse;
 * - a runner that finds the schedule not due (a stale entry, or a second runner that waited for
 *   the row lock) does nothing.
 * Start, stop and delete lock the schedule row before touching graphile-worker, in the same order
 * as the runner, so they never interleave with a run.
 */

/** graphile-worker's task identifier for the runner; not in the catalogue (it launches catalogue tasks). */
export const SCHEDULE_TASK = 'jobs-console:schedule';

/** A schedule's one entry in graphile-worker. */
export function scheduleJobKey(scheduleId: number): string {
  return `schedule:${scheduleId}`;
}

/** The largest N of "every N units". */
const MAX_REPEAT_EVERY = 1000;
const DAY_MS = 86_400_000;
const LOG_TAIL = 5;

/** Who creates, starts, stops, deletes and sees schedules: admins and the command line, as for queues. */
export function canManageSchedules(viewer: Viewer): boolean {
  return canManageQueues(viewer);
}

// ---------------------------------------------------------------------------------------------
// Due times

const unitMs = { minutes: 60_000, hours: 3_600_000, days: DAY_MS } as const;

/**
 * `start` moved by `amount` units, in UTC. Minutes, hours and days are fixed lengths (a UTC day has
 * no DST); months are calendar months with the day clamped to the month's end, as PostgreSQL's
 * `+ make_interval(months => n)` does: Jan 31 + 1 month = Feb 28 (29 in a leap year).
 */
export function addScheduleUnits(start: Date, unit: ScheduleUnit, amount: number): Date {
  if (unit !== 'months') return new Date(start.getTime() + amount * unitMs[unit]);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + amount;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(year, month, Math.min(start.getUTCDate(), lastDay), start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds()),
  );
}

/**
 * The first due time of a repeating schedule strictly after `after`. Due times are counted from the
 * first run (first + k × every units), never chained from the previous one: a monthly schedule from
 * Jan 31 runs on Feb 28, Mar 31, Apr 30…, not on the 28th for ever after February.
 */
export function nextDueTime(first: Date, every: number, unit: ScheduleUnit, after: Date): Date {
  if (first > after) return first;
  if (unit !== 'months') {
    const step = every * unitMs[unit];
    return new Date(first.getTime() + (Math.floor((after.getTime() - first.getTime()) / step) + 1) * step);
  }
  // The latest due time in or before `after`'s month, and if that is not after it, the next one (a
  // later month, so later than `after`). Due times grow with k, clamped days included.
  const monthsApart = (after.getUTCFullYear() - first.getUTCFullYear()) * 12 + after.getUTCMonth() - first.getUTCMonth();
  const k = Math.floor(monthsApart / every);
  const candidate = addScheduleUnits(first, 'months', k * every);
  return candidate > after ? candidate : addScheduleUnits(first, 'months', (k + 1) * every);
}

const unitWords: Record<ScheduleUnit, [string, string]> = {
  minutes: ['minute', 'minutes'],
  hours: ['hour', 'hours'],
  days: ['day', 'days'],
  months: ['month', 'months'],
};

/** "once", "every minute", "every 5 minutes". */
export function repetitionInWords(every: number | null, unit: ScheduleUnit | null): string {
  if (every === null || unit === null) return 'once';
  const [one, many] = unitWords[unit];
  return every === 1 ? `every ${one}` : `every ${every} ${many}`;
}

// ---------------------------------------------------------------------------------------------
// Input

/** "2026-11-21T14:00" (a datetime-local field, no zone: UTC), or ISO 8601 with Z or an offset. */
function parseUtcDateTime(text: string): Date | null {
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
  const date = local.test(text) ? new Date(`${text}Z`) : zoned.test(text) ? new Date(text) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

const blankToUndefined = (value: unknown) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value);
const argumentsExample = 'e.g. {"durationSeconds": 30}';

/**
 * A new schedule as submitted (the form's strings, or values from code): the task's name, its
 * arguments as a JSON object or its text, the first run, the repetition (`repeatUnit` none or a
 * unit, with `repeatEvery` 1–1000), an optional priority and whether to start it at once.
 */
export const newScheduleSchema = z
  .object({
    task: z.string({ error: 'Choose a task.' }).trim().min(1, 'Choose a task.').max(100, 'Choose a task.'),
    // `.optional()`: a missing key reaches the transform (zod refuses it before otherwise).
    arguments: z.unknown().optional().transform((value, ctx) => {
      const blank = blankToUndefined(value);
      if (blank === undefined) return {};
      let parsed: unknown = blank;
      if (typeof blank === 'string') {
        try {
          parsed = JSON.parse(blank);
        } catch {
          ctx.addIssue({ code: 'custom', message: `The arguments are not valid JSON (${argumentsExample}).` });
          return z.NEVER;
        }
      }
      if (!isPlainObject(parsed)) {
        ctx.addIssue({ code: 'custom', message: `The arguments must be a JSON object (${argumentsExample}).` });
        return z.NEVER;
      }
      return parsed;
    }),
    firstRunAt: z
      .unknown()
      .optional()
      .transform((value, ctx) => {
        const date = value instanceof Date ? value : typeof value === 'string' ? parseUtcDateTime(value.trim()) : null;
        if (!date || Number.isNaN(date.getTime())) {
          ctx.addIssue({ code: 'custom', message: 'Enter a date and time (UTC), e.g. 2026-11-21T14:00.' });
          return z.NEVER;
        }
        return date;
      })
      .refine((date) => date.getTime() >= Date.now() - DAY_MS, 'The first run cannot be more than a day in the past.')
      .refine((date) => date.getUTCFullYear() < 10_000, 'The first run must be before the year 10000.'),
    repeatUnit: z.preprocess((value) => blankToUndefined(value) ?? 'none', z.enum(['none', ...scheduleUnits], { error: 'Choose none, minutes, hours, days or months.' })),
    repeatEvery: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter a whole number.' })
        .int('Enter a whole number.')
        .min(1, 'At least 1.')
        .max(MAX_REPEAT_EVERY, `At most ${MAX_REPEAT_EVERY}.`)
        .optional(),
    ),
    priority: z.preprocess(blankToUndefined, z.enum(jobPriorities, { error: `Choose one of ${jobPriorities.join(', ')}.` }).optional()),
    start: z.boolean({ error: 'Say whether to start it now.' }).default(true),
  })
  .superRefine((input, ctx) => {
    if (input.repeatUnit !== 'none' && input.repeatEvery === undefined) {
      ctx.addIssue({ code: 'custom', path: ['repeatEvery'], message: `Enter how many ${input.repeatUnit} apart the runs are (1 to ${MAX_REPEAT_EVERY}).` });
    }
  });

/**
 * The task's own schema on the arguments, as a launch does; the problems are reported under
 * `arguments` (the form has one JSON field), each naming its argument.
 */
function parseScheduleArguments(task: TaskDefinition, input: Record<string, unknown>): { payload: Record<string, unknown> } | { problems: string[] } {
  const parsed = task.schema.safeParse(input);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)) };
  }
  // Refused here rather than failing at the insert.
  const withNul = argumentsWithNul(parsed.data as Record<string, unknown>);
  if (withNul.length > 0) return { problems: withNul.map((name) => `${name}: Must not contain NUL characters`) };
  return { payload: parsed.data as Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------------
// Writes

interface LockedSchedule {
  id: number;
  task: string;
  payload: Record<string, unknown>;
  /** The values of the secret arguments, masked in `payload`. */
  secretPayload: Record<string, unknown> | null;
  priority: JobPriority | null;
  firstRunAt: Date;
  repeatEvery: number | null;
  repeatUnit: ScheduleUnit | null;
  active: boolean;
  nextRunAt: Date | null;
  ownerId: string;
  /**
   * The database's clock at this transaction's start (the one graphile-worker compares run_at with),
   * to the millisecond like every time written here, so that comparisons with them are exact.
   */
  now: Date;
}

const lockedColumns = {
  id: schedules.id,
  task: schedules.task,
  payload: schedules.payload,
  secretPayload: schedules.secretPayload,
  priority: schedules.priority,
  firstRunAt: schedules.firstRunAt,
  repeatEvery: schedules.repeatEvery,
  repeatUnit: schedules.repeatUnit,
  active: schedules.active,
  nextRunAt: schedules.nextRunAt,
  ownerId: schedules.ownerId,
  now: sql`date_trunc('milliseconds', now())`.mapWith(schedules.createdAt),
};

/** Locks the schedule's row for the rest of the transaction; undefined when there is none. */
async function lockSchedule(tx: DbOrTx, id: number): Promise<LockedSchedule | undefined> {
  const [row] = await tx.select(lockedColumns).from(schedules).where(eq(schedules.id, id)).for('update');
  return row;
}

function requireManager(viewer: Viewer): void {
  if (!canManageSchedules(viewer)) throw new ForbiddenError('Only administrators manage schedules.');
}

/** Adds (or moves) the schedule's one graphile-worker entry; an entry a worker holds loses its key. */
async function addRunnerEntry(tx: DbOrTx, scheduleId: number, runAt: Date): Promise<void> {
  // Critical priority: the runner only launches a job (milliseconds), so it goes ahead of the line
  // and a busy worker still launches on time; the job it launches has its task's own priority.
  await tx.execute(sql`
    select 1 from graphile_worker.add_job(
      ${SCHEDULE_TASK},
      json_build_object('scheduleId', ${scheduleId}::bigint),
      run_at => ${runAt.toISOString()}::timestamptz,
      job_key => ${scheduleJobKey(scheduleId)},
      job_key_mode => 'replace',
      priority => ${queuePriority.critical}::int)`);
}

async function removeRunnerEntry(tx: DbOrTx, scheduleId: number): Promise<void> {
  // A worker running the entry right now keeps it, without its key and with no retry; its runner
  // then waits for our row lock and finds the schedule stopped or gone.
  await tx.execute(sql`select 1 from graphile_worker.remove_job(${scheduleJobKey(scheduleId)})`);
}

/** When a schedule being started runs first: its first run, or for a repeating one whose first run passed, the next due time; otherwise now. */
function firstDueTime(schedule: LockedSchedule): Date {
  if (schedule.firstRunAt >= schedule.now) return schedule.firstRunAt;
  if (schedule.repeatEvery !== null && schedule.repeatUnit !== null) return nextDueTime(schedule.firstRunAt, schedule.repeatEvery, schedule.repeatUnit, schedule.now);
  return schedule.now;
}

async function startLocked(tx: DbOrTx, viewer: Viewer, schedule: LockedSchedule, source: ActionSource): Promise<Date> {
  const nextRunAt = firstDueTime(schedule);
  await tx.update(schedules).set({ active: true, nextRunAt, updatedAt: sql`now()` }).where(eq(schedules.id, schedule.id));
  await addRunnerEntry(tx, schedule.id, nextRunAt);
  await recordAudit(tx, { viewer, action: 'schedule.start', source, details: { scheduleId: schedule.id, task: schedule.task, nextRunAt: nextRunAt.toISOString() } });
  return nextRunAt;
}

/**
 * Creates a schedule (admins): the task must exist, be open to the creator and be active, and the
 * arguments must pass the task's own schema; a first run in the past (at most a day) means now.
 * The creator owns it: the jobs it launches are theirs. With `start` (the default) it starts in the
 * same transaction. Audited `schedule.create` (and `schedule.start`). Returns its id.
 */
export async function createSchedule(db: DbOrTx, viewer: Viewer, input: unknown, source: ActionSource): Promise<number> {
  requireManager(viewer);
  if (viewer.kind !== 'person') {
    throw new ForbiddenError('A schedule launches its jobs as the administrator who creates it: create schedules in the web console.');
  }
  const parsed = newScheduleSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError('The schedule is not valid.', fieldErrorsOf(parsed.error));
  const data = parsed.data;
  const task = findTask(data.task);
  if (!task || task.hidden) throw new ValidationError(`There is no task called "${data.task}".`, { task: ['Unknown task'] });
  if (!canLaunchTask(viewer, task.launchableBy)) throw new ForbiddenError(`You cannot launch "${task.title}".`);
  const args = parseScheduleArguments(task, data.arguments);
  if ('problems' in args) throw new ValidationError(`The arguments for "${task.title}" are not valid.`, { arguments: args.problems });
  const repeating = data.repeatUnit !== 'none';

  // Secret arguments are kept apart, as a job's are, and masked wherever the schedule is shown.
  const { shown, secrets } = splitSecrets(task, args.payload);

  return db.transaction(async (tx) => {
    if (!(await isTaskActive(tx, task.name))) throw new ValidationError(taskInactiveMessage(task), { task: [taskInactiveMessage(task)] });
    const [created] = await tx
      .insert(schedules)
      .values({
        task: task.name,
        payload: shown,
        secretPayload: secrets,
        priority: data.priority ?? null,
        // A first run in the past means now (the database's clock).
        firstRunAt: sql`greatest(${data.firstRunAt.toISOString()}::timestamptz, date_trunc('milliseconds', now()))`,
        repeatEvery: repeating ? data.repeatEvery! : null,
        repeatUnit: repeating ? (data.repeatUnit as ScheduleUnit) : null,
        ownerId: viewer.id,
      })
      .returning({ id: schedules.id, firstRunAt: schedules.firstRunAt });
    const id = created!.id;
    await recordAudit(tx, {
      viewer,
      action: 'schedule.create',
      source,
      details: {
        scheduleId: id,
        task: task.name,
        firstRunAt: created!.firstRunAt.toISOString(),
        repeat: repetitionInWords(repeating ? data.repeatEvery! : null, repeating ? (data.repeatUnit as ScheduleUnit) : null),
        priority: data.priority ?? null,
      },
    });
    if (data.start) await startLocked(tx, viewer, (await lockSchedule(tx, id))!, source);
    return id;
  });
}

/**
 * Starts a schedule (admins): active, next run = its first run (or, for a repeating schedule whose
 * first run passed, the next due time after now; for a one-off, now), and its graphile-worker entry.
 * Returns false, writing nothing, when it already runs.
 */
export async function startSchedule(db: DbOrTx, viewer: Viewer, id: number, source: ActionSource): Promise<boolean> {
  requireManager(viewer);
  return db.transaction(async (tx) => {
    const schedule = await lockSchedule(tx, id);
    if (!schedule) throw new NotFoundError('Schedule not found');
    if (schedule.active) return false;
    await startLocked(tx, viewer, schedule, source);
    return true;
  });
}

/** Stops a schedule (admins): inactive, no next run, its graphile-worker entry removed. Returns false, writing nothing, when it was not running. */
export async function stopSchedule(db: DbOrTx, viewer: Viewer, id: number, source: ActionSource): Promise<boolean> {
  requireManager(viewer);
  return db.transaction(async (tx) => {
    const schedule = await lockSchedule(tx, id);
    if (!schedule) throw new NotFoundError('Schedule not found');
    if (!schedule.active) return false;
    await tx.update(schedules).set({ active: false, nextRunAt: null, updatedAt: sql`now()` }).where(eq(schedules.id, id));
    await removeRunnerEntry(tx, id);
    await recordAudit(tx, { viewer, action: 'schedule.stop', source, details: { scheduleId: id, task: schedule.task } });
    return true;
  });
}

/** Deletes a schedule (admins) and its graphile-worker entry; the jobs it launched stay, unlinked (origin still `schedule`). */
export async function deleteSchedule(db: DbOrTx, viewer: Viewer, id: number, source: ActionSource): Promise<void> {
  requireManager(viewer);
  await db.transaction(async (tx) => {
    const schedule = await lockSchedule(tx, id);
    if (!schedule) throw new NotFoundError('Schedule not found');
    await tx.delete(schedules).where(eq(schedules.id, id));
    await removeRunnerEntry(tx, id);
    await recordAudit(tx, { viewer, action: 'schedule.delete', source, details: { scheduleId: id, task: schedule.task } });
  });
}

// ---------------------------------------------------------------------------------------------
// The runner

/** What one call of the runner did. */
export type ScheduledRunOutcome =
  | { kind: 'launched'; jobId: number; nextRunAt: Date | null }
  /** Due, but the job could not be launched (task inactive or gone, owner no longer allowed…): `schedule.skipped`. */
  | { kind: 'skipped'; reason: string; nextRunAt: Date | null }
  /** Gone, stopped, or not due yet (a stale entry, or another runner just ran this due time). */
  | { kind: 'nothing' };

/** The schedule's owner as a viewer, and whether they are disabled. */
async function scheduleOwner(tx: DbOrTx, schedule: LockedSchedule): Promise<{ viewer: PersonViewer; disabled: boolean }> {
  // owner_id is NOT NULL and its foreign key restricts deleting the account: the row is there.
  const [account] = await tx
    .select({ id: users.id, email: users.email, role: users.role, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.id, schedule.ownerId));
  return { viewer: { kind: 'person', id: account!.id, email: account!.email, role: account!.role }, disabled: account!.disabledAt !== null };
}

/** Why the schedule's job cannot be launched now, or its task and parsed arguments. */
async function launchCheck(
  tx: DbOrTx,
  schedule: LockedSchedule,
  owner: { viewer: PersonViewer; disabled: boolean },
): Promise<{ refusal: string } | { task: TaskDefinition; payload: Record<string, unknown> }> {
  const task = findTask(schedule.task);
  if (!task) return { refusal: `There is no task called "${schedule.task}" any more.` };
  if (owner.disabled) return { refusal: `The schedule's owner, ${owner.viewer.email}, is disabled.` };
  // The owner's role now, not when they created it: a demoted admin's schedules stop launching.
  if (!canLaunchTask(owner.viewer, task.launchableBy)) return { refusal: `The schedule's owner, ${owner.viewer.email}, can no longer launch "${task.title}".` };
  // Read in the transaction that inserts the job, as launches and retries do.
  if (!(await isTaskActive(tx, task.name))) return { refusal: taskInactiveMessage(task) };
  const args = parseScheduleArguments(task, joinSecrets(schedule.payload, schedule.secretPayload));
  if ('problems' in args) return { refusal: `The arguments no longer pass the task's checks: ${args.problems.join('; ')}` };
  return { task, payload: args.payload };
}

/**
 * The runner's audit rows. The actor is the schedule, on behalf of its owner (their id, so that
 * their trail includes it): `recordAudit` takes a viewer and a web/cli/api source, and a schedule is
 * neither, so the row is written here with origin `schedule`.
 */
async function recordRunAudit(tx: DbOrTx, schedule: LockedSchedule, ownerEmail: string, action: string, jobIds: number[], details: Record<string, unknown>): Promise<void> {
  await tx.insert(auditEvents).values({
    actorId: schedule.ownerId,
    actorLabel: `schedule ${schedule.id} (${ownerEmail})`,
    actorRole: 'schedule',
    action,
    jobIds,
    jobCount: jobIds.length,
    origin: 'schedule',
    details: { scheduleId: schedule.id, task: schedule.task, ...details },
  });
}

/**
 * Runs one due time of a schedule; called by graphile-worker's `jobs-console:schedule` task. In one
 * transaction: locks the schedule; if it is gone, stopped or not due, does nothing; otherwise
 * launches its task as a job (origin `schedule`, owned by the schedule's owner, linked to it) or,
 * if that is refused, records `schedule.skipped` with the reason; then moves it to its next due
 * time with a new graphile-worker entry, or ends a one-off. The due time is the schedule's own
 * next_run_at, not the entry's run_at (which graphile-worker moves when it retries a failed run).
 */
export async function runScheduledJob(db: DbOrTx, scheduleId: number): Promise<ScheduledRunOutcome> {
  return db.transaction(async (tx) => {
    const schedule = await lockSchedule(tx, scheduleId);
    if (!schedule?.active || !schedule.nextRunAt) return { kind: 'nothing' };
    const due = schedule.nextRunAt;
    if (due > schedule.now) return { kind: 'nothing' };

    // Counted from the first run and strictly after now: when the workers were down for several due
    // times, the missed ones are not run one by one; the schedule runs once now and goes on from here.
    const nextRunAt =
      schedule.repeatEvery !== null && schedule.repeatUnit !== null ? nextDueTime(schedule.firstRunAt, schedule.repeatEvery, schedule.repeatUnit, schedule.now) : null;
    const owner = await scheduleOwner(tx, schedule);
    const check = await launchCheck(tx, schedule, owner);
    let outcome: ScheduledRunOutcome;
    if ('refusal' in check) {
      await recordRunAudit(tx, schedule, owner.viewer.email, 'schedule.skipped', [], {
        reason: check.refusal,
        dueAt: due.toISOString(),
        nextRunAt: nextRunAt?.toISOString() ?? null,
      });
      outcome = { kind: 'skipped', reason: check.refusal, nextRunAt };
    } else {
      const [jobId] = await enqueueJobs(tx, [
        { task: check.task, payload: check.payload, origin: 'schedule', ownerId: schedule.ownerId, priority: schedule.priority ?? undefined, scheduleId },
      ]);
      await recordRunAudit(tx, schedule, owner.viewer.email, 'job.launch', [jobId!], { dueAt: due.toISOString() });
      outcome = { kind: 'launched', jobId: jobId!, nextRunAt };
    }
    await tx
      .update(schedules)
      .set({
        active: nextRunAt !== null,
        nextRunAt,
        ...(outcome.kind === 'launched' ? { lastRunAt: sql`now()` } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(schedules.id, scheduleId));
    // The entry being run here is locked: add_job takes its key off it and adds the next one.
    if (nextRunAt) await addRunnerEntry(tx, scheduleId, nextRunAt);
    return outcome;
  });
}

const runnerPayload = z.object({ scheduleId: z.number().int().positive() });

/** The graphile-worker task `jobs-console:schedule`: runs the due time of the schedule its entry names. */
export function scheduleTask(db: Db): Task {
  return async (payload, helpers) => {
    const parsed = runnerPayload.safeParse(payload);
    if (!parsed.success) {
      // Not one of ours (added by hand?): retrying will not help.
      helpers.logger.error(`Ignoring ${SCHEDULE_TASK} entry ${helpers.job.id}: its payload has no scheduleId.`);
      return;
    }
    const outcome = await runScheduledJob(db, parsed.data.scheduleId);
    if (outcome.kind === 'skipped') helpers.logger.warn(`Schedule ${parsed.data.scheduleId} skipped a run: ${outcome.reason}`);
  };
}

// ---------------------------------------------------------------------------------------------
// Reads

export type ScheduleState = 'running' | 'scheduled' | 'idle';
export type ScheduleResult = 'ok' | 'warnings' | 'errors' | 'failed' | 'cancelled';

/** A finished job's outcome in one word; null while it has not finished. */
function jobResult(job: { status: JobStatus; warnings: number; errors: number }): ScheduleResult | null {
  if (job.status === 'completed') return job.errors > 0 ? 'errors' : job.warnings > 0 ? 'warnings' : 'ok';
  if (job.status === 'failed' || job.status === 'cancelled') return job.status;
  return null;
}

export interface ScheduleSummary {
  id: number;
  task: string;
  taskTitle: string;
  arguments: Record<string, unknown>;
  /** Null: the task's default. */
  priority: JobPriority | null;
  firstRunAt: Date;
  repeatEvery: number | null;
  repeatUnit: ScheduleUnit | null;
  /** "once", "every 5 minutes". */
  repetition: string;
  active: boolean;
  /** `running` while its latest job is active, `scheduled` while it waits for its next run, `idle` otherwise. */
  state: ScheduleState;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  /** Its latest job, with that job's result (null while it has not finished). */
  lastJob: { id: number; status: JobStatus; warnings: number; errors: number; result: ScheduleResult | null } | null;
  owner: string;
  createdAt: Date;
}

/** Every schedule, oldest first, with its state and its latest job (admins and the command line). */
export async function listSchedules(db: DbOrTx, viewer: Viewer): Promise<ScheduleSummary[]> {
  if (!canManageSchedules(viewer)) throw new ForbiddenError('Only administrators see schedules.');
  const latest = db
    .select({ id: jobs.id, status: jobs.status, warnings: jobs.warnings, errors: jobs.errors })
    .from(jobs)
    .where(eq(jobs.scheduleId, schedules.id))
    .orderBy(desc(jobs.id))
    .limit(1)
    .as('latest_job');
  const rows = await db
    .select({
      id: schedules.id,
      task: schedules.task,
      payload: schedules.payload,
      priority: schedules.priority,
      firstRunAt: schedules.firstRunAt,
      repeatEvery: schedules.repeatEvery,
      repeatUnit: schedules.repeatUnit,
      active: schedules.active,
      nextRunAt: schedules.nextRunAt,
      lastRunAt: schedules.lastRunAt,
      owner: users.email,
      createdAt: schedules.createdAt,
      lastJobId: latest.id,
      lastJobStatus: latest.status,
      lastJobWarnings: latest.warnings,
      lastJobErrors: latest.errors,
    })
    .from(schedules)
    .innerJoin(users, eq(users.id, schedules.ownerId))
    .leftJoinLateral(latest, sql`true`)
    .orderBy(schedules.id);
  return rows.map((row) => {
    const lastJob =
      row.lastJobId !== null && row.lastJobStatus !== null
        ? { id: row.lastJobId, status: row.lastJobStatus, warnings: row.lastJobWarnings ?? 0, errors: row.lastJobErrors ?? 0 }
        : null;
    const jobActive = lastJob !== null && (activeJobStatuses as readonly string[]).includes(lastJob.status);
    return {
      id: row.id,
      task: row.task,
      taskTitle: findTask(row.task)?.title ?? row.task,
      arguments: row.payload,
      priority: row.priority,
      firstRunAt: row.firstRunAt,
      repeatEvery: row.repeatEvery,
      repeatUnit: row.repeatUnit,
      repetition: repetitionInWords(row.repeatEvery, row.repeatUnit),
      active: row.active,
      state: jobActive ? 'running' : row.active && row.nextRunAt ? 'scheduled' : 'idle',
      nextRunAt: row.nextRunAt,
      lastRunAt: row.lastRunAt,
      lastJob: lastJob ? { ...lastJob, result: jobResult(lastJob) } : null,
      owner: row.owner,
      createdAt: row.createdAt,
    };
  });
}

export interface ScheduleRunLogLine {
  id: number;
  at: Date;
  level: LogLevel;
  message: string;
}

export interface ScheduleRun {
  id: number;
  title: string;
  status: JobStatus;
  result: ScheduleResult | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  warnings: number;
  errors: number;
  /** The last lines of its log, oldest first. */
  logTail: ScheduleRunLogLine[];
}

/** The schedule's last `limit` jobs, newest first, each with the last 5 lines of its log (admins and the command line). */
export async function scheduleRuns(db: DbOrTx, viewer: Viewer, scheduleId: number, limit = 5): Promise<ScheduleRun[]> {
  if (!canManageSchedules(viewer)) throw new ForbiddenError('Only administrators see schedules.');
  const runs = await db
    .select({
      id: jobs.id,
      title: jobs.title,
      status: jobs.status,
      createdAt: jobs.createdAt,
      startedAt: jobs.startedAt,
      finishedAt: jobs.finishedAt,
      warnings: jobs.warnings,
      errors: jobs.errors,
    })
    .from(jobs)
    .where(eq(jobs.scheduleId, scheduleId))
    .orderBy(desc(jobs.id))
    .limit(limit);
  if (runs.length === 0) return [];
  // The last lines of each job through the (job_id, id) index, however long its log.
  const lines = await db.execute<{ job_id: string; id: string; at: string; level: LogLevel; message: string }>(sql`
    select l.job_id, l.id, l.at, l.level, l.message
    from jsonb_array_elements_text(${JSON.stringify(runs.map((run) => run.id))}::jsonb) as r(job_id)
    cross join lateral (
      select id, job_id, at, level, message from job_logs where job_id = r.job_id::bigint order by id desc limit ${LOG_TAIL}
    ) l
    order by l.job_id, l.id`);
  return runs.map((run) => ({
    ...run,
    result: jobResult(run),
    logTail: lines
      .filter((line) => Number(line.job_id) === run.id)
      .map((line) => ({ id: Number(line.id), at: new Date(line.at), level: line.level, message: line.message })),
  }));
}
