import { and, eq, inArray, sql } from 'drizzle-orm';
import type { JobHelpers, Task, WorkerUtils } from 'graphile-worker';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { jobLogs, jobs, users, type LogLevel } from '@/db/schema';
import type { TaskDefinition } from '../task';
import type { Viewer } from '../viewer';

export interface WrapperDeps {
  db: Db;
  workerUtils: WorkerUtils;
  /** This worker process's id (the `workers` table), recorded on the jobs it runs. */
  workerId: string;
  /** Called when a job starts and ends here, to keep the running count for the heartbeat. */
  onRunningChange?(delta: 1 | -1): void;
}

const queuePayload = z.object({ jobId: z.number().int().positive() });

const MAX_MESSAGE = 2000;
const MAX_LOG_LINE = 10_000;
const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Wraps a catalogue task as a graphile-worker task. The wrapper alone writes the job's row: it marks
 * it running, gives the task its context (parsed payload, abort signal, log, progress), then records
 * the outcome. Every write after the start is conditional on the job still being `running`, so a job
 * stopped meanwhile keeps its final state.
 */
export function wrapTask(task: TaskDefinition, deps: WrapperDeps): Task {
  return async (rawPayload: unknown, helpers: JobHelpers) => {
    const parsedPayload = queuePayload.safeParse(rawPayload);
    if (!parsedPayload.success) {
      // Not one of ours (added by hand?): nothing to track, and retrying will not help.
      helpers.logger.error(`Ignoring ${task.name} queue entry ${helpers.job.id}: its payload has no jobId.`);
      return;
    }
    const { jobId } = parsedPayload.data;
    const attempt = helpers.job.attempts;
    const maxAttempts = helpers.job.max_attempts;
    const { db } = deps;

    const started = await markRunning(db, jobId, attempt, maxAttempts, deps.workerId);
    if (!started) return; // cancelled or finished meanwhile: nothing to run

    deps.onRunningChange?.(1);
    const reporter = new JobReporter(db, jobId, attempt);
    const controller = new AbortController();
    const onShutdown = () => controller.abort(new Error('The worker is shutting down.'));
    helpers.abortSignal?.addEventListener('abort', onShutdown, { once: true });
    try {
      const args = task.schema.safeParse(started.payload);
      if (!args.success) {
        const problems = args.error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`);
        await markFailed(db, jobId, attempt, new Error(`Invalid arguments: ${problems.join('; ')}`), true);
        return; // the arguments will not become valid on a retry
      }
      const result = await task.run({
        payload: args.data,
        signal: controller.signal,
        log: (level, message) => reporter.log(level, message),
        progress: (fraction, step) => reporter.progress(fraction, step),
        job: { id: jobId, attempt, maxAttempts },
        launchedBy: started.launchedBy,
        db,
        workerUtils: deps.workerUtils,
      });
      await reporter.flush();
      await markCompleted(db, jobId, result);
    } catch (error) {
      await reporter.flush().catch(() => {});
      const final = attempt >= maxAttempts;
      await markFailed(db, jobId, attempt, error, final);
      // A failure with attempts left goes back to graphile-worker, which schedules the next attempt
      // with its backoff; a final one is complete as far as the queue is concerned.
      if (!final) throw error;
    } finally {
      helpers.abortSignal?.removeEventListener('abort', onShutdown);
      deps.onRunningChange?.(-1);
    }
  };
}

interface StartedJob {
  payload: Record<string, unknown>;
  launchedBy: Viewer;
}

async function markRunning(
  db: Db,
  jobId: number,
  attempt: number,
  maxAttempts: number,
  workerId: string,
): Promise<StartedJob | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(jobs)
      .set({
        status: 'running',
        attempts: attempt,
        maxAttempts,
        startedAt: sql`coalesce(${jobs.startedAt}, now())`,
        finishedAt: null,
        workerId,
        heartbeatAt: sql`now()`,
        updatedAt: sql`now()`,
        message: `Attempt ${attempt} of ${maxAttempts} started`,
      })
      .where(and(eq(jobs.id, jobId), inArray(jobs.status, ['queued', 'scheduled', 'retrying'])))
      .returning({ payload: jobs.payload, ownerId: jobs.ownerId, osUser: jobs.osUser });
    if (!row) return null;
    await tx.insert(jobLogs).values({
      jobId,
      level: 'info',
      attempt,
      message: `Attempt ${attempt} of ${maxAttempts} started on worker ${workerId}.`,
    });
    let launchedBy: Viewer = { kind: 'cli', osUser: row.osUser ?? 'system' };
    if (row.ownerId) {
      const [owner] = await tx
        .select({ id: users.id, email: users.email, role: users.role })
        .from(users)
        .where(eq(users.id, row.ownerId));
      if (owner) launchedBy = { kind: 'person', ...owner };
    }
    return { payload: row.payload, launchedBy };
  });
}

async function markCompleted(db: Db, jobId: number, result: unknown): Promise<void> {
  await db
    .update(jobs)
    .set({
      status: 'completed',
      progress: 1,
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
      result: toJson(result),
      error: null,
      errorStack: null,
    })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, 'running')));
}

async function markFailed(db: Db, jobId: number, attempt: number, error: unknown, final: boolean): Promise<void> {
  const err = error instanceof Error ? error : new Error(String(error));
  const message = truncate(err.message || err.name || 'Unknown error', MAX_MESSAGE);
  // graphile-worker retries after exp(min(attempts, 10)) seconds; the row shows when.
  const retryAt = sql`now() + exp(least(${attempt}, 10)) * interval '1 second'`;
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(jobs)
      .set({
        status: final ? 'failed' : 'retrying',
        finishedAt: final ? sql`now()` : null,
        runAt: final ? undefined : retryAt,
        updatedAt: sql`now()`,
        error: message,
        errorStack: err.stack ?? null,
        errors: sql`${jobs.errors} + 1`,
        message: final ? message : `Attempt ${attempt} failed: ${message} (will retry)`,
      })
      .where(and(eq(jobs.id, jobId), eq(jobs.status, 'running')))
      .returning({ id: jobs.id });
    if (!row) return;
    await tx.insert(jobLogs).values({
      jobId,
      level: 'error',
      attempt,
      message: truncate(`Attempt ${attempt} failed: ${message}${final ? '' : ' It will be retried.'}`, MAX_LOG_LINE),
    });
  });
}

/** JSON-safe copy of a task's result (dates become strings, functions and undefined disappear). */
function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Writes a running job's log lines and progress in the order the task reports them. Progress is
 * coalesced: while one progress write is waiting, later reports replace it rather than queue up.
 */
class JobReporter {
  private chain: Promise<unknown> = Promise.resolve();
  private pendingProgress: { fraction: number; step?: string } | null = null;

  constructor(
    private readonly db: Db,
    private readonly jobId: number,
    private readonly attempt: number,
  ) {}

  log(level: LogLevel, message: string): Promise<void> {
    const line = truncate(String(message), MAX_LOG_LINE);
    return this.enqueue(async () => {
      await this.db.execute(sql`
        with line as (
          insert into job_logs (job_id, level, attempt, message)
          select ${this.jobId}, ${level}::log_level, ${this.attempt}, ${line}
          where exists (select 1 from jobs where id = ${this.jobId} and status = 'running')
          returning level
        )
        update jobs set
          message = ${truncate(line, MAX_MESSAGE)},
          warnings = warnings + (select count(*) from line where level = 'warning'),
          errors = errors + (select count(*) from line where level = 'error'),
          updated_at = now()
        where id = ${this.jobId} and status = 'running' and exists (select 1 from line)`);
    });
  }

  progress(fraction: number, step?: string): Promise<void> {
    const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    const queued = this.pendingProgress !== null;
    this.pendingProgress = { fraction: clamped, step };
    if (queued) return this.chain.then(() => {});
    return this.enqueue(async () => {
      const next = this.pendingProgress;
      this.pendingProgress = null;
      if (!next) return;
      await this.db
        .update(jobs)
        .set({
          progress: next.fraction,
          step: next.step === undefined ? undefined : truncate(next.step, MAX_MESSAGE),
          heartbeatAt: sql`now()`,
          updatedAt: sql`now()`,
        })
        .where(and(eq(jobs.id, this.jobId), eq(jobs.status, 'running')));
    });
  }

  /** Resolves when everything reported so far is written. */
  flush(): Promise<void> {
    return this.chain.then(() => {});
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.chain.then(write);
    this.chain = next.catch(() => {});
    return next;
  }
}
