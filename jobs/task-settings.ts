import 'server-only';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '@/db/client';
import { taskSettings, users } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import { findTask, taskCatalogue } from './catalogue';
import { ForbiddenError, ValidationError } from './errors';
import { canManageQueues } from './permissions';
import type { TaskDefinition } from './task';
import type { Viewer } from './viewer';

/**
 * What admins set per task in the catalogue: whether it is active (nobody launches an inactive task,
 * nor retries its jobs; jobs already in line still run) and a note for other admins. A task without
 * a row in `task_settings` is active with no note.
 */

export const TASK_NOTE_MAX_LENGTH = 2000;

/** One task's settings, as the catalogue page and the command line show them. */
export interface TaskSettings {
  task: string;
  active: boolean;
  note: string | null;
  /** When an admin last changed them; null while the task has its defaults. */
  changedAt: Date | null;
  /** Who changed them last: the admin's email, or "the command line". */
  changedBy: string | null;
}

/** Whether the viewer reads the settings (notes included) and changes them: admins and the command line, as for queues. */
export function canManageTasks(viewer: Viewer): boolean {
  return canManageQueues(viewer);
}

/** The message for a launch or retry of an inactive task, the same on the web and the command line. */
export function taskInactiveMessage(task: TaskDefinition): string {
  return `The task "${task.title}" is inactive: an admin turned it off.`;
}

/** The settings of every task in the catalogue, defaults filled in, keyed by task name (admins and the command line). */
export async function listTaskSettings(db: DbOrTx, viewer: Viewer): Promise<Map<string, TaskSettings>> {
  if (!canManageTasks(viewer)) throw new ForbiddenError('Only administrators see the task settings.');
  const rows = await db
    .select({ task: taskSettings.task, active: taskSettings.active, note: taskSettings.note, changedAt: taskSettings.updatedAt, changedBy: users.email })
    .from(taskSettings)
    .leftJoin(users, eq(users.id, taskSettings.updatedBy));
  return new Map(
    taskCatalogue.map((task) => {
      const row = rows.find((candidate) => candidate.task === task.name);
      const settings: TaskSettings = row
        ? { ...row, changedBy: row.changedBy ?? 'the command line' }
        : { task: task.name, active: true, note: null, changedAt: null, changedBy: null };
      return [task.name, settings];
    }),
  );
}

/**
 * Whether the task called `taskName` may be launched now. Launches and retries call it inside the
 * transaction that creates the job, just before the insert, so that the check holds for every caller.
 */
export async function isTaskActive(db: DbOrTx, taskName: string): Promise<boolean> {
  const [row] = await db.select({ active: taskSettings.active }).from(taskSettings).where(eq(taskSettings.task, taskName));
  return row?.active ?? true;
}

/** The names of the tasks admins turned off, for the launch page's list. */
export async function inactiveTaskNames(db: DbOrTx): Promise<Set<string>> {
  const rows = await db.select({ task: taskSettings.task }).from(taskSettings).where(eq(taskSettings.active, false));
  return new Set(rows.map((row) => row.task));
}

const taskName = z.string({ error: 'Name a task.' }).trim().min(1, 'Name a task.').max(100, 'A task name has at most 100 characters.');

const taskNote = z
  .string({ error: 'The note must be text.' })
  .trim()
  .max(TASK_NOTE_MAX_LENGTH, 'A note has at most 2,000 characters.')
  .refine((note) => !note.includes('\u0000'), 'A note cannot contain NUL characters.')
  .transform((note) => (note === '' ? null : note));

function invalid(message: string, error: z.ZodError, field: string): ValidationError {
  return new ValidationError(message, { [field]: error.issues.map((issue) => issue.message) });
}

/** The permission check, then the task named by `raw`, or a ValidationError that changes nothing. */
function checkTask(viewer: Viewer, raw: unknown): TaskDefinition {
  if (!canManageTasks(viewer)) throw new ForbiddenError('Only administrators change task settings.');
  const parsed = taskName.safeParse(raw);
  if (!parsed.success) throw invalid(parsed.error.issues[0]!.message, parsed.error, 'task');
  const task = findTask(parsed.data);
  if (!task) throw new ValidationError(`There is no task called "${parsed.data}".`, { task: ['Unknown task'] });
  return task;
}

/**
 * Turns a task on or off (admins and the command line), with an audit row `task.activate` or
 * `task.deactivate`. Returns false, writing nothing, when the task already was so.
 */
export async function setTaskActive(db: DbOrTx, viewer: Viewer, task: unknown, active: boolean, source: ActionSource): Promise<boolean> {
  const { name } = checkTask(viewer, task);
  const updatedBy = viewer.kind === 'person' ? viewer.id : null;
  return db.transaction(async (tx) => {
    // A task without a row is active: activating only ever updates a row that says inactive.
    const changed = active
      ? await tx
          .update(taskSettings)
          .set({ active: true, updatedAt: sql`now()`, updatedBy })
          .where(and(eq(taskSettings.task, name), eq(taskSettings.active, false)))
          .returning({ task: taskSettings.task })
      : await tx
          .insert(taskSettings)
          .values({ task: name, active: false, updatedBy })
          .onConflictDoUpdate({ target: taskSettings.task, set: { active: false, updatedAt: sql`now()`, updatedBy }, setWhere: eq(taskSettings.active, true) })
          .returning({ task: taskSettings.task });
    if (changed.length === 0) return false;
    await recordAudit(tx, { viewer, action: active ? 'task.activate' : 'task.deactivate', source, details: { task: name } });
    return true;
  });
}

/**
 * Sets a task's note (admins and the command line): trimmed, at most 2,000 characters, empty clears
 * it; audited as `task.note` with the new note. Returns false, writing nothing, when it is unchanged.
 */
export async function setTaskNote(db: DbOrTx, viewer: Viewer, task: unknown, note: unknown, source: ActionSource): Promise<boolean> {
  const definition = checkTask(viewer, task);
  const { name } = definition;
  const parsed = taskNote.safeParse(note);
  if (!parsed.success) throw invalid(`The note for "${definition.title}" is not valid.`, parsed.error, 'note');
  const text = parsed.data;
  const updatedBy = viewer.kind === 'person' ? viewer.id : null;
  return db.transaction(async (tx) => {
    // A task without a row has no note: clearing only ever updates a row that has one.
    const changed =
      text === null
        ? await tx
            .update(taskSettings)
            .set({ note: null, updatedAt: sql`now()`, updatedBy })
            .where(and(eq(taskSettings.task, name), isNotNull(taskSettings.note)))
            .returning({ task: taskSettings.task })
        : await tx
            .insert(taskSettings)
            .values({ task: name, note: text, updatedBy })
            .onConflictDoUpdate({
              target: taskSettings.task,
              set: { note: text, updatedAt: sql`now()`, updatedBy },
              setWhere: sql`${taskSettings.note} is distinct from excluded.note`,
            })
            .returning({ task: taskSettings.task });
    if (changed.length === 0) return false;
    await recordAudit(tx, { viewer, action: 'task.note', source, details: { task: name, note: text } });
    return true;
  });
}
