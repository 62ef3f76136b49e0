import { z } from 'zod';
import { getDb } from '@/db/client';
import { jobPriorities } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import { findTask } from './catalogue';
import { enqueueJobs } from './enqueue';
import { ForbiddenError, ValidationError } from './errors';
import { canLaunchTask } from './permissions';
import type { TaskDefinition } from './task';
import type { Viewer } from './viewer';

/** Field errors from a failed parse, keyed by top-level field ('' for errors about the whole input). */
function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : '';
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}

/** Parses a task's arguments with its schema, or throws a ValidationError with field errors. */
function parseTaskArguments(task: TaskDefinition, input: unknown): Record<string, unknown> {
  const parsed = task.schema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ValidationError(`The arguments for "${task.title}" are not valid.`, fieldErrorsOf(parsed.error));
  }
  // PostgreSQL cannot store NUL in text or JSON: refuse it here rather than fail at the insert.
  const withNul = Object.entries(parsed.data).filter(([, value]) => JSON.stringify(value)?.includes('\\u0000'));
  if (withNul.length > 0) {
    throw new ValidationError(
      `The arguments for "${task.title}" are not valid.`,
      Object.fromEntries(withNul.map(([name]) => [name, ['Must not contain NUL characters']])),
    );
  }
  return parsed.data as Record<string, unknown>;
}

/**
 * Launches a task for a viewer, from the web, the CLI or the API: checks the viewer may launch it,
 * validates the arguments with the task's schema, then creates the job and its audit row in one
 * transaction. Returns the new job's id.
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
  const payload = parseTaskArguments(task, input);
  const priority = z.enum(jobPriorities).optional().safeParse(options.priority);
  if (!priority.success) {
    throw new ValidationError(`The priority must be one of ${jobPriorities.join(', ')}.`, { priority: [`Choose one of ${jobPriorities.join(', ')}`] });
  }
  return getDb().transaction(async (tx) => {
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
