import { setMaxListeners } from 'node:events';
import { and, eq, sql } from 'drizzle-orm';
import type { JobHelpers, Task, WorkerUtils } from 'graphile-worker';
import { z } from 'zod';
import type { Db, DbOrTx } from '@/db/client';
import type { UserRole } from '@/db/enums';
import { jobLogs, jobs, jobSecrets, queuePauses, users, type LogLevel } from '@/db/schema';
import { parseArtifact } from '../artifacts';
import { addQueueEntries, type QueuedRow } from '../enqueue';
import { joinSecrets, redactJson, redactorFor, secretFieldsOf } from '../secrets';
import { Batcher } from '@/lib/batcher';
import { appendAttemptError } from './attempt-errors';
import { untilDatabaseAnswers } from './resilient';
import type { StopMode } from '../control';
import type { TaskDefinition } from '../task';
import type { Viewer } from '../viewer';

export interface WrapperDeps {
  db: Db;
  workerUtils: WorkerUtils;
  /** This worker process's id (the `workers` table), recorded on the jobs it runs. */
  workerId: string;
  /** Called when a job starts and ends here, to keep the running count for the heartbeat. */
  onRunningChange?(delta: 1 | -1): void;
  /** Where stop requests for the jobs running here arrive (the worker's LISTEN on `job_stop`). */
  stops?: StopRegistry;
  /** Called when a fetched job's queue turned out to be paused: the worker reads the paused queues again. */
  pausedQueueSeen?(): Promise<void>;
}

/** Why a job's signal fired when someone asked it to stop (as opposed to a worker shutdown). */
export class StopRequest extends Error {
  constructor(readonly mode: StopMode) {
    super(mode === 'force' ? 'The job was force-stopped.' : 'The job was asked to stop.');
    this.name = 'StopRequest';
  }
}

/** The jobs running in this process, by id, and how to stop each. */
export class StopRegistry {
  private readonly running = new Map<number, (mode: StopMode) => void>();

  register(jobId: number, stop: (mode: StopMode) => void): () => void {
    this.running.set(jobId, stop);
    return () => {
      if (this.running.get(jobId) === stop) this.running.delete(jobId);
    };
  }

  /** Stops job `jobId` if it runs here; returns whether it did. */
  stop(jobId: number, mode: StopMode): boolean {
    const stop = this.running.get(jobId);
    stop?.(mode);
    return stop !== undefined;
  }

  get jobIds(): number[] {
    return [...this.running.keys()];
  }
}

const queuePayload = z.object({ jobId: z.number().int().positive() });

const MAX_MESSAGE = 2000;
const MAX_LOG_LINE = 10_000;
const MAX_STACK = 20_000;
const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Identifies one attempt of one job on one worker; every write after the start is conditional on it. */
interface Attempt {
  jobId: number;
  /** The job's attempt number (1-based), as shown to people. */
  number: number;
  maxAttempts: number;
  workerId: string;
}

/**
 * Wraps a catalogue task as a graphile-worker task. The wrapper alone writes the job's row: it marks
 * it running, gives the task its context (parsed payload, abort signal, log, progress, files), then
 * records the outcome. Every write after the start names the attempt and the worker, so a job
 * stopped, handed back or taken over meanwhile keeps its state, and a late write from an old
 * attempt is lost.
 */
export function wrapTask(task: TaskDefinition, deps: WrapperDeps): Task {
  return async (rawPayload: unknown, helpers: JobHelpers) => {
    const parsedPayload = queuePayload.safeParse(rawPayload);
    if (!parsedPayload.success) {
      // Not one of ours (added by hand?): nothing to track, and retrying will not help.
      helpers.logger.error(`Ignoring ${task.name} queue entry ${helpers.job.id}: its payload has no jobId.`);
      return;
    }
    const { db } = deps;
    // Each record of the job is written again while the database is unreachable (./resilient).
    const started = await untilDatabaseAnswers(() => markRunning(db, parsedPayload.data.jobId, helpers, deps.workerId));
    if (started === 'paused') {
      // Back in line; before graphile-worker fetches again, it learns that the queue is paused.
      await deps.pausedQueueSeen?.();
      return;
    }
    if (!started) return; // cancelled or finished meanwhile: nothing to run
    const { attempt } = started;
    // The queue entry's own count decides whether a failure is final (see handBack for why the
    // entry may have fewer attempts than the job).
    const final = helpers.job.attempts >= helpers.job.max_attempts;

    deps.onRunningChange?.(1);
    // The task gets its secret arguments; whatever it writes has their values masked.
    const secrets = secretFieldsOf(task).length > 0 ? await untilDatabaseAnswers(() => readSecrets(db, attempt.jobId)) : null;
    const redact = redactorFor(secrets);
    const reporter = new JobReporter(db, attempt, redact);
    const controller = new AbortController();
    const onShutdown = () => controller.abort(new Error('The worker is shutting down.'));
    if (helpers.abortSignal) {
      // The worker's one signal gets a listener per running job: more than Node's default of 10
      // is no leak, just concurrency above 9.
      setMaxListeners(0, helpers.abortSignal);
      helpers.abortSignal.addEventListener('abort', onShutdown, { once: true });
    }
    // A force stop abandons the task: the wrapper returns at once (freeing this worker's slot and the
    // queue entry) while the task's promise runs on with nothing it writes recorded.
    let abandon = () => {};
    const abandoned = new Promise<typeof ABANDONED>((resolve) => (abandon = () => resolve(ABANDONED)));
    const unregister =
      deps.stops?.register(attempt.jobId, (mode) => {
        if (!controller.signal.aborted) controller.abort(new StopRequest(mode));
        if (mode === 'force') abandon();
      }) ?? (() => {});
    const stopRequested = () => controller.signal.reason instanceof StopRequest;
    try {
      if (!started.launchedBy) {
        await untilDatabaseAnswers(() => markFailed(db, attempt, new Error('The account that launched this job no longer exists.'), true));
        return;
      }
      const args = task.schema.safeParse(joinSecrets(started.payload, secrets));
      if (!args.success) {
        const problems = args.error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`);
        await untilDatabaseAnswers(() => markFailed(db, attempt, new Error(`Invalid arguments: ${problems.join('; ')}`), true));
        return; // the arguments will not become valid on a retry
      }
      let result: unknown;
      try {
        const running = task.run({
          payload: args.data,
          signal: controller.signal,
          log: (level, message) => reporter.log(level, message),
          progress: (fraction, step) => reporter.progress(fraction, step),
          artifact: (name, contentType, content) => reporter.artifact(name, contentType, content),
          job: { id: attempt.jobId, attempt: attempt.number, maxAttempts: attempt.maxAttempts },
          launchedBy: started.launchedBy,
          db,
          workerUtils: deps.workerUtils,
        });
        result = await Promise.race([running, abandoned]);
        if (result === ABANDONED) {
          running.catch(() => {}); // whatever it does now, nobody is listening
          return;
        }
      } finally {
        await reporter.close();
      }
      const stored = secrets ? redactJson(toJson(result), redact) : result;
      await untilDatabaseAnswers(() => batchersOf(db).completions.add({ attempt, result: stored }));
    } catch (thrown) {
      const error = redactError(thrown, redact);
      if (stopRequested()) {
        // It stopped because someone asked it to: that is a cancellation, not a failure.
        await untilDatabaseAnswers(() => markCancelled(db, attempt));
        return;
      }
      if (helpers.abortSignal?.aborted) {
        // The worker is stopping, not the job failing: hand it back for another worker.
        await untilDatabaseAnswers(() => handBack(db, attempt));
        return;
      }
      const recorded = await untilDatabaseAnswers(() => markFailed(db, attempt, error, final));
      // A failure with attempts left goes back to graphile-worker, which schedules the next attempt
      // with its backoff; a final one is complete as far as the queue is concerned. A job that is
      // no longer this attempt's (force-stopped meanwhile) is not retried either.
      if (recorded && !final) throw error;
    } finally {
      unregister();
      helpers.abortSignal?.removeEventListener('abort', onShutdown);
      deps.onRunningChange?.(-1);
    }
  };
}

const ABANDONED = Symbol('abandoned');

/** The values of a job's secret arguments, if it has any. */
async function readSecrets(db: Db, jobId: number): Promise<Record<string, unknown> | null> {
  const [row] = await db.select({ payload: jobSecrets.payload }).from(jobSecrets).where(eq(jobSecrets.jobId, jobId));
  return row?.payload ?? null;
}

/**
 * The error a task threw, with secret values masked in its message and stack: it is stored, logged,
 * and handed back to graphile-worker (which keeps the message of a failure to retry).
 */
function redactError(thrown: unknown, redact: (text: string) => string): unknown {
  if (!(thrown instanceof Error)) return typeof thrown === 'string' ? redact(thrown) : thrown;
  const message = redact(thrown.message);
  const stack = thrown.stack === undefined ? undefined : redact(thrown.stack);
  if (message === thrown.message && stack === thrown.stack) return thrown;
  const masked = new Error(message);
  masked.name = thrown.name;
  masked.stack = stack;
  return masked;
}

/** The condition every write of an attempt carries. */
function isCurrent(attempt: Attempt) {
  return and(eq(jobs.id, attempt.jobId), eq(jobs.status, 'running'), eq(jobs.attempts, attempt.number), eq(jobs.workerId, attempt.workerId));
}

interface StartedJob {
  attempt: Attempt;
  payload: Record<string, unknown>;
  /** Null when the job has an owner whose account is gone (the job must not run with more rights). */
  launchedBy: Viewer | null;
}

/**
 * Marks the job running and returns what the task needs; null when it must not run, 'paused' when
 * its queue is paused (it is back in line). A job still `running` from an earlier attempt is taken
 * over: that attempt's worker died or its lock expired.
 */
async function markRunning(db: Db, jobId: number, helpers: JobHelpers, workerId: string): Promise<StartedJob | 'paused' | null> {
  const request: StartRequest = { id: jobId, entryAttempts: helpers.job.attempts, entryMaxAttempts: helpers.job.max_attempts, workerId };
  return (await batchersOf(db).starts.add(request)) ?? markRunningCarefully(db, jobId, helpers, workerId);
}

/** A job a worker has just fetched, with its queue entry's attempt counts (see handBack). */
interface StartRequest {
  id: number;
  entryAttempts: number;
  entryMaxAttempts: number;
  workerId: string;
}

interface CompletedAttempt {
  attempt: Attempt;
  result: unknown;
}

/**
 * The status writes every job makes, start and completion, group-committed per worker (lib/batcher):
 * at concurrency 10 a statement carries several jobs, so fewer commits (each a WAL flush, and each
 * taking PostgreSQL's NOTIFY lock for the jobs' events) are made. A batch that fails (a deadlock
 * with a bulk action, say) is written again one job at a time, so one job's trouble stays its own.
 */
interface Batchers {
  starts: Batcher<StartRequest, StartedJob | null>;
  completions: Batcher<CompletedAttempt, void>;
}

const batchers = new WeakMap<Db, Batchers>();

function batchersOf(db: Db): Batchers {
  let found = batchers.get(db);
  if (!found) {
    const oneByOne =
      <In, Out>(write: (items: In[]) => Promise<Out[]>) =>
      async (items: In[]): Promise<Out[]> => {
        try {
          return await write(items);
        } catch (error) {
          if (items.length === 1) throw error;
          return Promise.all(items.map(async (item) => (await write([item]))[0]!));
        }
      };
    found = {
      starts: new Batcher(oneByOne((requests: StartRequest[]) => startWaitingJobs(db, requests))),
      completions: new Batcher(oneByOne((completed: CompletedAttempt[]) => markCompleted(db, completed))),
    };
    batchers.set(db, found);
  }
  return found;
}

/**
 * The usual case in one statement for several jobs (atomic without BEGIN and COMMIT): each job
 * waiting in a queue that is not paused, with no stop requested, becomes running, its log says so,
 * and its launcher is read. Null for a job where any of that does not hold; markRunningCarefully
 * then sorts it out.
 */
async function startWaitingJobs(db: Db, requests: StartRequest[]): Promise<(StartedJob | null)[]> {
  const rows = await db.execute<{
    id: string;
    attempts: number;
    max_attempts: number;
    payload: Record<string, unknown>;
    origin: string;
    owner_id: string | null;
    os_user: string | null;
    user_id: string | null;
    email: string | null;
    role: UserRole | null;
  }>(sql`
    with requests as (
      select * from jsonb_to_recordset(${JSON.stringify(requests)}::jsonb)
        as r(id bigint, "entryAttempts" int, "entryMaxAttempts" int, "workerId" text)
    ), started as (
      update jobs set
        status = 'running',
        attempts = jobs.max_attempts - r."entryMaxAttempts" + r."entryAttempts",
        started_at = coalesce(jobs.started_at, now()),
        finished_at = null,
        worker_id = r."workerId",
        heartbeat_at = now(),
        updated_at = now(),
        message = format('Attempt %s of %s started', jobs.max_attempts - r."entryMaxAttempts" + r."entryAttempts", jobs.max_attempts)
      from requests r
      -- The ids again, as an array: the planner cannot see into the recordset, and without this may
      -- scan the whole table (its estimate of a fresh table's size is often far too small).
      where jobs.id = any(${idArray(requests.map((request) => request.id))})
        and jobs.id = r.id and jobs.status in ('queued', 'scheduled', 'retrying') and jobs.cancel_requested_at is null
        and not exists (select 1 from queue_pauses p where p.queue = jobs.queue)
      returning jobs.id, jobs.attempts, jobs.max_attempts, jobs.payload, jobs.origin, jobs.owner_id, jobs.os_user, r."workerId" as worker_id
    ), logged as (
      insert into job_logs (job_id, level, attempt, message)
      select id, 'info', attempts, format('Attempt %s of %s started on worker %s.', attempts, max_attempts, worker_id) from started
    )
    select s.id::text, s.attempts, s.max_attempts, s.payload, s.origin, s.owner_id, s.os_user, u.id as user_id, u.email, u.role
    from started s left join users u on u.id = s.owner_id`);
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  return requests.map((request): StartedJob | null => {
    const row = byId.get(request.id);
    if (!row) return null;
    const owner = row.user_id ? { id: row.user_id, email: row.email!, role: row.role! } : undefined;
    const launchedBy = launcherFrom({ origin: row.origin, ownerId: row.owner_id, osUser: row.os_user }, owner);
    return { attempt: { jobId: request.id, number: row.attempts, maxAttempts: row.max_attempts, workerId: request.workerId }, payload: row.payload, launchedBy };
  });
}

/** markRunning for everything but the usual case, under the job's row lock. */
async function markRunningCarefully(db: Db, jobId: number, helpers: JobHelpers, workerId: string): Promise<StartedJob | 'paused' | null> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select({
        status: jobs.status,
        attempts: jobs.attempts,
        maxAttempts: jobs.maxAttempts,
        workerId: jobs.workerId,
        payload: jobs.payload,
        origin: jobs.origin,
        ownerId: jobs.ownerId,
        osUser: jobs.osUser,
        cancelRequestedAt: jobs.cancelRequestedAt,
        task: jobs.task,
        queue: jobs.queue,
        priority: jobs.priority,
        runAt: jobs.runAt,
        queuePaused: sql<boolean>`exists (select 1 from ${queuePauses} where ${queuePauses.queue} = ${jobs.queue})`,
      })
      .from(jobs)
      .where(eq(jobs.id, jobId))
      .for('update');
    if (!current) return null;
    // A handed-back job's queue entry only has the attempts that were left (see handBack).
    const number = current.maxAttempts - helpers.job.max_attempts + helpers.job.attempts;
    if (current.status === 'running' && current.workerId === workerId && current.attempts === number) {
      // This start was written, but the connection dropped before its answer came back, and the
      // start is being written again: the job is this worker's already.
      return { attempt: { jobId, number, maxAttempts: current.maxAttempts, workerId }, payload: current.payload, launchedBy: await launcherOf(tx, current) };
    }
    const interrupted = current.status === 'running' && current.attempts < number;
    if (!interrupted && !['queued', 'scheduled', 'retrying'].includes(current.status)) return null;
    const attempt: Attempt = { jobId, number, maxAttempts: current.maxAttempts, workerId };
    if (current.cancelRequestedAt) {
      // Stopped while this worker was picking it up: it does not run at all.
      await tx
        .update(jobs)
        .set({ status: 'cancelled', finishedAt: sql`now()`, updatedAt: sql`now()`, message: 'Cancelled: a stop was requested before it started.' })
        .where(eq(jobs.id, jobId));
      await tx.insert(jobLogs).values({ jobId, level: 'warning', attempt: current.attempts, message: 'Not started: a stop was requested as a worker picked it up.' });
      return null;
    }
    if (!interrupted && current.queuePaused) {
      // The fetch that handed it out read the paused queues before the pause committed: put it back
      // in line untouched, with the attempts its entry had (this fetch spent none of them).
      await addQueueEntries(tx, [
        {
          id: jobId,
          task: current.task,
          run_at: current.runAt.toISOString(),
          max_attempts: helpers.job.max_attempts - helpers.job.attempts + 1,
          priority: current.priority,
          queue: current.queue,
        },
      ]);
      return 'paused';
    }
    if (interrupted) {
      await tx.insert(jobLogs).values({
        jobId,
        level: 'warning',
        attempt: current.attempts,
        message: `Attempt ${current.attempts} was interrupted: worker ${current.workerId ?? 'unknown'} stopped before it finished.`,
      });
    }
    await tx
      .update(jobs)
      .set({
        status: 'running',
        attempts: number,
        attemptErrors: interrupted
          ? appendAttemptError({
              attempt: current.attempts,
              kind: 'interrupted',
              workerId: current.workerId,
              message: `Worker ${current.workerId ?? 'unknown'} stopped before the attempt finished.`,
              stack: null,
            })
          : undefined,
        startedAt: sql`coalesce(${jobs.startedAt}, now())`,
        finishedAt: null,
        workerId,
        heartbeatAt: sql`now()`,
        updatedAt: sql`now()`,
        message: `Attempt ${number} of ${current.maxAttempts} started`,
      })
      .where(eq(jobs.id, jobId));
    await tx.insert(jobLogs).values({
      jobId,
      level: 'info',
      attempt: number,
      message: `Attempt ${number} of ${current.maxAttempts} started on worker ${workerId}.`,
    });
    return { attempt, payload: current.payload, launchedBy: await launcherOf(tx, current) };
  });
}

/** Who launched the job, to run it with their permissions; fails closed when that is unknown. */
async function launcherOf(tx: DbOrTx, job: LaunchedJob): Promise<Viewer | null> {
  const [owner] = job.ownerId ? await tx.select({ id: users.id, email: users.email, role: users.role }).from(users).where(eq(users.id, job.ownerId)) : [];
  return launcherFrom(job, owner);
}

interface LaunchedJob {
  origin: string;
  ownerId: string | null;
  osUser: string | null;
}

/** The viewer a job runs as, from its row and its owner's account (undefined when gone): null fails closed. */
function launcherFrom(job: LaunchedJob, owner: { id: string; email: string; role: UserRole } | undefined): Viewer | null {
  if (job.ownerId) return owner ? { kind: 'person', ...owner } : null;
  if (job.origin === 'cli') return { kind: 'cli', osUser: job.osUser ?? 'unknown' };
  return null;
}

/** Job ids as one bigint[] parameter. */
function idArray(ids: number[]) {
  return sql`${`{${ids.join(',')}}`}::bigint[]`;
}

/** Records attempts that completed, each only if it is still the job's current attempt. */
async function markCompleted(db: Db, completed: CompletedAttempt[]): Promise<void[]> {
  const rows = completed.map(({ attempt, result }) => ({ id: attempt.jobId, attempts: attempt.number, workerId: attempt.workerId, result: toJson(result) }));
  await db.execute(sql`
    update jobs set status = 'completed', progress = 1, finished_at = now(), updated_at = now(), result = r.result, error = null, error_stack = null
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id bigint, attempts int, "workerId" text, result jsonb)
    where jobs.id = any(${idArray(rows.map((row) => row.id))}) -- as in startWaitingJobs
      and jobs.id = r.id and jobs.status = 'running' and jobs.attempts = r.attempts and jobs.worker_id = r."workerId"`);
  return completed.map(() => undefined);
}

/** Records a failed attempt; false when the job is no longer this attempt's (nothing written). */
async function markFailed(db: Db, attempt: Attempt, error: unknown, final: boolean): Promise<boolean> {
  const err = error instanceof Error ? error : new Error(String(error));
  const message = truncate(err.message || err.name || 'Unknown error', MAX_MESSAGE);
  const stack = err.stack ? truncate(err.stack, MAX_STACK) : null;
  // graphile-worker retries after exp(min(attempts, 10)) seconds; the row shows when.
  const retryAt = sql`now() + exp(least(${attempt.number}, 10)) * interval '1 second'`;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(jobs)
      .set({
        status: final ? 'failed' : 'retrying',
        finishedAt: final ? sql`now()` : null,
        runAt: final ? undefined : retryAt,
        updatedAt: sql`now()`,
        error: message,
        errorStack: stack,
        errors: sql`${jobs.errors} + 1`,
        attemptErrors: appendAttemptError({ attempt: attempt.number, kind: 'error', workerId: attempt.workerId, message, stack }),
        message: final ? message : `Attempt ${attempt.number} failed: ${message} (will retry)`,
      })
      .where(isCurrent(attempt))
      .returning({ id: jobs.id });
    if (!row) return false;
    await tx.insert(jobLogs).values({
      jobId: attempt.jobId,
      level: 'error',
      attempt: attempt.number,
      message: truncate(`Attempt ${attempt.number} failed: ${withStop(message)}${final ? '' : ' It will be retried.'}`, MAX_LOG_LINE),
    });
    return true;
  });
}

/** The task stopped because it was asked to: the job ends `cancelled`. */
async function markCancelled(db: Db, attempt: Attempt): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(jobs)
      .set({ status: 'cancelled', finishedAt: sql`now()`, updatedAt: sql`now()`, message: `Stopped as requested during attempt ${attempt.number}.` })
      .where(isCurrent(attempt))
      .returning({ id: jobs.id });
    if (!row) return;
    await tx.insert(jobLogs).values({
      jobId: attempt.jobId,
      level: 'warning',
      attempt: attempt.number,
      message: `Attempt ${attempt.number} stopped as requested; the job is cancelled.`,
    });
  });
}

/**
 * The worker is shutting down under a running job: put the job back in the queue, to run again on
 * another worker, without spending an attempt. graphile-worker has no way to give back a job it
 * handed out, so a new entry takes over the job key (the old one completes when we return), with
 * only the attempts that were left: markRunning then numbers the next attempt as this one again.
 */
async function handBack(db: Db, attempt: Attempt): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(jobs)
      .set({
        status: 'queued',
        attempts: attempt.number - 1,
        runAt: sql`now()`,
        workerId: null,
        heartbeatAt: null,
        updatedAt: sql`now()`,
        message: `Handed back: worker ${attempt.workerId} stopped during attempt ${attempt.number}; it will run again.`,
      })
      .where(isCurrent(attempt))
      .returning({ id: jobs.id, task: jobs.task, runAt: jobs.runAt, maxAttempts: jobs.maxAttempts, priority: jobs.priority, queue: jobs.queue });
    if (!row) return;
    await tx.insert(jobLogs).values({
      jobId: attempt.jobId,
      level: 'warning',
      attempt: attempt.number,
      message: `Attempt ${attempt.number} stopped because worker ${attempt.workerId} is shutting down; the job goes back to the queue.`,
    });
    const entry: QueuedRow = {
      id: row.id,
      task: row.task,
      run_at: row.runAt.toISOString(),
      max_attempts: row.maxAttempts - (attempt.number - 1),
      priority: row.priority,
      queue: row.queue,
    };
    await addQueueEntries(tx, [entry]);
  });
}

/** The message as a sentence, so that another can follow it. */
function withStop(message: string): string {
  return /[.!?…]$/.test(message) ? message : `${message}.`;
}

/** JSON-safe copy of a task's result (dates become strings, functions and undefined disappear). */
function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Writes a running job's log lines, progress and files in the order the task reports them.
 * Progress is coalesced: while one progress write is waiting, later reports replace it rather than
 * queue up. Once closed (the task has returned), further reports are dropped.
 */
class JobReporter {
  private chain: Promise<unknown> = Promise.resolve();
  private pendingProgress: { fraction: number; step?: string } | null = null;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly attempt: Attempt,
    /** Masks the job's secret values in what the task writes. */
    private readonly redact: (text: string) => string,
  ) {}

  log(level: LogLevel, message: string): Promise<void> {
    const line = truncate(this.redact(String(message)), MAX_LOG_LINE);
    const { jobId, number, workerId } = this.attempt;
    return this.enqueue(async () => {
      await this.db.execute(sql`
        with current as (
          select 1 from jobs where id = ${jobId} and status = 'running' and attempts = ${number} and worker_id = ${workerId}
        ), line as (
          insert into job_logs (job_id, level, attempt, message)
          select ${jobId}, ${level}::log_level, ${number}, ${line} from current
          returning level
        )
        update jobs set
          message = ${truncate(line, MAX_MESSAGE)},
          warnings = warnings + (select count(*) from line where level = 'warning'),
          errors = errors + (select count(*) from line where level = 'error'),
          updated_at = now()
        where id = ${jobId} and exists (select 1 from line)`);
    });
  }

  /** Validates at once (the task gets the error), then stores the file in turn with the log lines. */
  async artifact(name: string, contentType: string, content: string | Uint8Array): Promise<void> {
    const file = parseArtifact(name, contentType, content);
    const { jobId, number, workerId } = this.attempt;
    return this.enqueue(async () => {
      await this.db.execute(sql`
        insert into job_artifacts (job_id, attempt, name, content_type, size, content)
        select ${jobId}, ${number}, ${file.name}, ${file.contentType}, ${file.size}, ${file.content}::bytea
        from jobs where id = ${jobId} and status = 'running' and attempts = ${number} and worker_id = ${workerId}
        on conflict (job_id, name) do update set
          attempt = excluded.attempt,
          content_type = excluded.content_type,
          size = excluded.size,
          content = excluded.content,
          created_at = now()`);
    });
  }

  progress(fraction: number, step?: string): Promise<void> {
    const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    const queued = this.pendingProgress !== null;
    this.pendingProgress = { fraction: clamped, step: step === undefined ? undefined : this.redact(String(step)) };
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
        .where(isCurrent(this.attempt));
    });
  }

  /** Writes what was reported so far, then drops anything reported later. */
  async close(): Promise<void> {
    await this.chain.catch(() => {});
    this.closed = true;
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.resolve();
    const next = this.chain.then(() => untilDatabaseAnswers(write));
    this.chain = next.catch(() => {});
    return next;
  }
}
