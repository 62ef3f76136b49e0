import type { WorkerUtils } from 'graphile-worker';
import type { z } from 'zod';
import type { Db } from '@/db/client';
import type { JobPriority, LogLevel } from '@/db/schema';
import type { LaunchableBy } from './permissions';
import type { Viewer } from './viewer';

/** What the task wrapper hands a task. Tasks report through it and never touch job rows themselves. */
export interface TaskContext<Payload> {
  /** The arguments, already parsed by the task's schema. */
  payload: Payload;
  /** Aborted when the job must stop (worker shutting down; later, a cancel request). */
  signal: AbortSignal;
  /** Appends a line to the job's log; the line also becomes the job's last message. */
  log(level: LogLevel, message: string): Promise<void>;
  /** Reports progress as a fraction from 0 to 1, with the current step's name. */
  progress(fraction: number, step?: string): Promise<void>;
  /**
   * Stores a file of the job's, for download from its page; the same name again replaces it. Throws
   * on a bad name, type or size (see jobs/artifacts.ts). Dropped, like log lines, once the attempt
   * is no longer the job's current one.
   */
  artifact(name: string, contentType: string, content: string | Uint8Array): Promise<void>;
  job: { id: number; attempt: number; maxAttempts: number };
  /** Who launched the job: tasks that read data do so with this viewer's permissions. */
  launchedBy: Viewer;
  db: Db;
  workerUtils: WorkerUtils;
}

export type TaskSchema = z.ZodObject;

/** One entry of the task catalogue: what it is, who may launch it, its arguments and its code. */
export interface TaskDefinition<Schema extends TaskSchema = TaskSchema> {
  /** Stable identifier, also graphile-worker's task identifier. */
  name: string;
  title: string;
  description: string;
  category: string;
  launchableBy: LaunchableBy;
  /** Not offered on the launch page (the console launches it itself, e.g. bulk actions). */
  hidden?: boolean;
  /** Validates the arguments from the launch form, the CLI and the API alike. */
  schema: Schema;
  defaultPriority: JobPriority;
  queue: string;
  maxAttempts: number;
  /** Overrides `maxAttempts` when the arguments decide it. */
  maxAttemptsFor?(payload: z.output<Schema>): number;
  /** The job's title on the jobs page, when the task's title alone says too little. */
  describe?(payload: z.output<Schema>): string;
  /** The record the job acts on, linked from the jobs page. */
  relatedUrl?(payload: z.output<Schema>): string | undefined;
  /** The step names the task reports through `progress(fraction, step)`, in order, for the job's page. */
  steps?(payload: z.output<Schema>): string[];
  /** The work itself; its return value (JSON) is stored as the job's result. */
  run(context: TaskContext<z.output<Schema>>): Promise<unknown>;
}

/** Declares a task with its types inferred from its schema. */
export function defineTask<Schema extends TaskSchema>(definition: TaskDefinition<Schema>): TaskDefinition<Schema> {
  return definition;
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('The job was stopped.');
}
