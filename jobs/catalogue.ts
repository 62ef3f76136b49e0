import { canLaunchTask } from './permissions';
import type { TaskDefinition } from './task';
import { bulkActionTask } from './tasks/bulk-action';
import { csvImportCheckTask } from './tasks/csv-import-check';
import { failingTask } from './tasks/failing';
import { historyReportTask } from './tasks/history-report';
import { longRunningTask } from './tasks/long-running';
import { pingTask } from './tasks/ping';
import { pruneHistoryTask } from './tasks/prune-history';
import { queueMaintenanceTask } from './tasks/queue-maintenance';
import type { Viewer } from './viewer';

/** Every task the console can run, in the order the launch page lists them. */
export const taskCatalogue: readonly TaskDefinition[] = [
  historyReportTask,
  csvImportCheckTask,
  longRunningTask,
  failingTask,
  pingTask,
  queueMaintenanceTask,
  pruneHistoryTask,
  bulkActionTask,
];

/** The task called `name`, if there is one. */
export function findTask(name: string): TaskDefinition | undefined {
  return taskCatalogue.find((task) => task.name === name);
}

/**
 * The named steps a job of `taskName` with `payload` goes through, for its page; null when the task
 * does not list them, is unknown, or the stored arguments no longer pass its schema.
 */
export function taskSteps(taskName: string, payload: unknown): string[] | null {
  const task = findTask(taskName);
  if (!task?.steps) return null;
  const parsed = task.schema.safeParse(payload);
  return parsed.success ? task.steps(parsed.data) : null;
}

/**
 * The tasks the launch page offers the viewer: neither hidden, nor closed to them, nor turned off by
 * an admin (`inactive`: the names from `inactiveTaskNames` in jobs/task-settings.ts).
 */
export function tasksLaunchableBy(viewer: Viewer, inactive: ReadonlySet<string>): TaskDefinition[] {
  return taskCatalogue.filter((task) => !task.hidden && !inactive.has(task.name) && canLaunchTask(viewer, task.launchableBy));
}
