import { z } from 'zod';
import { getDb } from '@/db/client';
import { jobPriorities } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import { findTask } from './catalogue';
import { enqueueJobs } from './enqueue';
import { fieldErrorsOf, ForbiddenError, ValidationError } from './errors';
import { canLaunchTask } from './permissions';
import { isTaskActive, taskInactiveMessage } from './task-settings';
import type { TaskDefinition } from './task';
import type { Viewer } from './viewer';

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

/**
 * Launches a task for a viewer, from the web, the CLI or the API: checks the viewer may launch it,
 * then, in one transaction, that an admin has not turned the task off, the arguments against the
 * task's schema, and creates the job and its audit row. Returns the new job's id.
 */
export async function launchJob(
  viewer: Viewer,
  taskName: string,
  input: unknown,
  source: ActionSource,
  options: { priority?: unknown } = {},
): Promise<number> {
  const task = findTask(taskName);
  if (!task) throw new ValidationError(`There is no task called "${taskName}".`, { task: ['Unknown task'] });
  if (!canLaunchTask(viewer, task.launchableBy)) throw new ForbiddenError(`You cannot launch "${task.title}".`);
  return getDb().transaction(async (tx) => {
    // Read in the transaction that inserts the job, and before the arguments: fixing them would not help.
    if (!(await isTaskActive(tx, task.name))) throw new ForbiddenError(taskInactiveMessage(task));
    const payload = parseTaskArguments(task, input);
    const priority = z.enum(jobPriorities).optional().safeParse(options.priority);
    if (!priority.success) {
      throw new ValidationError(`The priority must be one of ${jobPriorities.join(', ')}.`, { priority: [`Choose one of ${jobPriorities.join(', ')}`] });
    }
    const [id] = await enqueueJobs(tx, [
      {
        task,
        payload,
        origin: source.origin,
        ownerId: viewer.kind === 'person' ? viewer.id : null,
        osUser: viewer.kind === 'cli' ? viewer.osUser : null,
        priority: priority.data,
      },
    ]);
    await recordAudit(tx, { viewer, action: 'job.launch', source, jobIds: [id!], details: { task: task.name } });
    return id!;
  });
}
