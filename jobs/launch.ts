import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { jobPriorities, jobs, type JobPriority } from '@/db/schema';
import { auditInsertFor, type ActionSource } from './audit';
import { findTask } from './catalogue';
import { insertJobsCtes } from './enqueue';
import { ConflictError, fieldErrorsOf, ForbiddenError, ValidationError } from './errors';
import { canLaunchTask } from './permissions';
import { isTaskActive, taskInactiveMessage } from './task-settings';
import type { TaskDefinition } from './task';
import { splitSecrets } from './secrets';
import type { PersonViewer, Viewer } from './viewer';

/** The arguments holding a NUL character, which PostgreSQL cannot store in text or JSON. */
export function argumentsWithNul(payload: Record<string, unknown>): string[] {
  return Object.entries(payload)
    .filter(([, value]) => JSON.stringify(value)?.includes('\\u0000'))
    .map(([name]) => name);
}

/** Parses a task's arguments with its schema, or throws a ValidationError with field errors. */
function parseTaskArguments(task: TaskDefinition, input: unknown): Record<string, unknown> {
  const parsed = task.schema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ValidationError(`The arguments for "${task.title}" are not valid.`, fieldErrorsOf(parsed.error));
  }
  // Refused here rather than failing at the insert.
  const withNul = argumentsWithNul(parsed.data as Record<string, unknown>);
  if (withNul.length > 0) {
    throw new ValidationError(
      `The arguments for "${task.title}" are not valid.`,
      Object.fromEntries(withNul.map((name) => [name, ['Must not contain NUL characters']])),
    );
  }
  return parsed.data as Record<string, unknown>;
}

/** The most jobs one batch launch creates (one transaction, one audit row listing them all). */
export const MAX_BATCH_LAUNCH = 20_000;

/**
 * Launches a task for a viewer, from the web, the CLI or the API: checks the viewer may launch it and
 * the arguments against the task's schema, then, in one statement, that an admin has not turned the
 * task off, and creates the job, its queue entry and its audit row. Returns the new job's id.
 */
export async function launchJob(
  viewer: Viewer,
  taskName: string,
  input: unknown,
  source: ActionSource,
  options: { priority?: unknown } = {},
): Promise<number> {
  const [id] = await launchJobs(viewer, taskName, [input], source, options);
  return id!;
}

/**
 * launchJob with an idempotency key (the API's `Idempotency-Key`): the first launch with a key
 * creates the job; any later one by the same person returns that job, `replayed`, and creates
 * nothing, however many arrive at once (a unique index decides). A key already used for another task
 * or other arguments is refused. Keys are kept with their job, for as long as the job is.
 */
export async function launchJobIdempotently(
  viewer: PersonViewer,
  taskName: string,
  input: unknown,
  source: ActionSource,
  options: { priority?: unknown; idempotencyKey: string },
): Promise<{ id: number; replayed: boolean }> {
  const [id] = await launchJobs(viewer, taskName, [input], source, options);
  if (id !== undefined) return { id, replayed: false };
  const task = findTask(taskName)!;
  const { shown } = splitSecrets(task, parseTaskArguments(task, input));
  const [first] = await getDb()
    .select({ id: jobs.id, task: jobs.task, sameArguments: sql<boolean>`${jobs.payload} = ${JSON.stringify(shown)}::jsonb` })
    .from(jobs)
    .where(and(eq(jobs.ownerId, viewer.id), eq(jobs.idempotencyKey, options.idempotencyKey)));
  if (!first) throw new Error('An idempotent launch created no job, and found none with its key.');
  if (first.task !== task.name || !first.sameArguments) {
    throw new ConflictError(`This Idempotency-Key was used for job ${first.id}, with other arguments or another task: use a new key for a new launch.`);
  }
  return { id: first.id, replayed: true };
}

/**
 * Launches one job of a task per set of arguments, all or none: the same checks as launchJob, every
 * set validated before anything is written, then one statement creating the jobs, their queue
 * entries and one audit row. Returns the new jobs' ids in the order of `inputs`.
 */
export async function launchJobs(
  viewer: Viewer,
  taskName: string,
  inputs: readonly unknown[],
  source: ActionSource,
  options: { priority?: unknown; idempotencyKey?: string } = {},
): Promise<number[]> {
  const task = findTask(taskName);
  if (!task) throw new ValidationError(`There is no task called "${taskName}".`, { task: ['Unknown task'] });
  if (!canLaunchTask(viewer, task.launchableBy)) throw new ForbiddenError(`You cannot launch "${task.title}".`);
  if (inputs.length === 0 || inputs.length > MAX_BATCH_LAUNCH) {
    throw new ValidationError(`A launch creates from 1 to ${MAX_BATCH_LAUNCH.toLocaleString('en-US')} jobs (asked for ${inputs.length.toLocaleString('en-US')}).`, {
      arguments: [`Give from 1 to ${MAX_BATCH_LAUNCH.toLocaleString('en-US')} sets of arguments`],
    });
  }
  let payloads: Record<string, unknown>[];
  let priority: JobPriority | undefined;
  try {
    payloads = inputs.map((input, index) => {
      if (inputs.length === 1) return parseTaskArguments(task, input);
      try {
        return parseTaskArguments(task, input);
      } catch (error) {
        // Which set was wrong: its fields are named `3.message` and so on.
        if (!(error instanceof ValidationError)) throw error;
        const fields = Object.entries(error.fieldErrors).map(([field, messages]) => [`${index}.${field}`, messages]);
        throw new ValidationError(`Arguments ${index + 1} of ${inputs.length} for "${task.title}" are not valid.`, Object.fromEntries(fields));
      }
    });
    const parsedPriority = z.enum(jobPriorities).optional().safeParse(options.priority);
    if (!parsedPriority.success) {
      throw new ValidationError(`The priority must be one of ${jobPriorities.join(', ')}.`, { priority: [`Choose one of ${jobPriorities.join(', ')}`] });
    }
    priority = parsedPriority.data;
  } catch (error) {
    // An inactive task is refused as such, whatever its arguments: fixing them would not help.
    if (error instanceof ValidationError && !(await isTaskActive(getDb(), task.name))) throw new ForbiddenError(taskInactiveMessage(task));
    throw error;
  }
  const requests = payloads.map((payload) => ({
    task,
    payload,
    origin: source.origin,
    ownerId: viewer.kind === 'person' ? viewer.id : null,
    osUser: viewer.kind === 'cli' ? viewer.osUser : null,
    priority,
    idempotencyKey: options.idempotencyKey,
  }));
  const details = inputs.length === 1 ? { task: task.name } : { task: task.name, count: inputs.length };
  // One statement, so one round trip and atomic without BEGIN and COMMIT: whether the task is active
  // (read in the statement that inserts, so that turning it off cannot slip in between), the jobs,
  // their queue entries and the audit row.
  const [row] = await getDb().execute<{ active: boolean; ids: string[] | null; entries: number; audited: number }>(sql`
    with settings as (
      select coalesce((select active from task_settings where task = ${task.name}), true) as active
    ),
    ${insertJobsCtes(requests, sql`(select active from settings)`)},
    audited as (${auditInsertFor({ viewer, action: 'job.launch', source, details }, sql`inserted`)} returning 1)
    select (select active from settings) as active, (select array_agg(id order by id)::text[] from inserted) as ids,
           (select entries from queued) as entries, (select count(*)::int from audited) as audited`);
  if (!row?.active) throw new ForbiddenError(taskInactiveMessage(task));
  return (row.ids ?? []).map(Number);
}
