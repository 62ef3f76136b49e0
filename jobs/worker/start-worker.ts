import crypto from 'node:crypto';
import os from 'node:os';
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { makeWorkerUtils, run, type Runner, type TaskList } from 'graphile-worker';
import { z } from 'zod';
import { createDb } from '@/db/client';
import { jobs, workers } from '@/db/schema';
import { evaluateAlerts } from '../alerts';
import { taskCatalogue } from '../catalogue';
import { JOB_STOP_CHANNEL } from '../control';
import { queueFlag } from '../enqueue';
import { pausedQueues, QUEUE_PAUSES_CHANNEL } from '../queues';
import { SCHEDULE_TASK, scheduleTask } from '../schedules';
import { rollUpJobStats } from '../stats';
import { pruneSignInLimits } from '@/lib/sign-in-limits';
import { quietLogger } from './logger';
import { rescueDeadWorkers } from './rescue';
import { StopRegistry, wrapTask, type WrapperDeps } from './run-task';

export interface RunningWorker {
  id: string;
  /** Stops taking jobs, lets running ones finish (their signal fires after a few seconds) and lets go of the database. */
  stop(): Promise<void>;
}


/**
 * Starts a graphile-worker runner for the task catalogue against `databaseUrl`, records this process
 * in `workers` and keeps its heartbeat (and that of the jobs it runs) fresh.
 */
export interface WorkerOptions {
  databaseUrl: string;
  concurrency: number;
  /** How often this worker says it is alive and looks for dead ones (default 10 s). */
  heartbeatSeconds?: number;
  /** A worker silent for longer than this is dead and its jobs are rescued (default 60 s). */
  deadAfterSeconds?: number;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const heartbeatMs = (options.heartbeatSeconds ?? 10) * 1000;
  const deadAfterSeconds = options.deadAfterSeconds ?? 60;
  const id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const handle = createDb(options.databaseUrl, { max: Math.min(options.concurrency + 2, 20), applicationName: 'jobs-console-worker' });
  const { db } = handle;
  const workerUtils = await makeWorkerUtils({ connectionString: options.databaseUrl, logger: quietLogger });
  let running = 0;
  const stops = new StopRegistry();
  const deps: WrapperDeps = { db, workerUtils, workerId: id, stops, onRunningChange: (delta) => void (running += delta) };
  // Stop requests arrive at once over NOTIFY; the heartbeat below catches any this misses.
  const stopMessage = z.object({ id: z.number().int().positive(), mode: z.enum(['graceful', 'force']) });
  await handle.client.listen(JOB_STOP_CHANNEL, (payload) => {
    try {
      const message = stopMessage.parse(JSON.parse(payload));
      stops.stop(message.id, message.mode);
    } catch {
      // not a message of ours
    }
  });
  const taskList: TaskList = { ...Object.fromEntries(taskCatalogue.map((task) => [task.name, wrapTask(task, deps)])), [SCHEDULE_TASK]: scheduleTask(db) };

  await db.insert(workers).values({ id, host: os.hostname(), pid: process.pid, concurrency: options.concurrency });

  // Paused queues, as graphile-worker's forbidden flags: kept in memory and read again when a pause
  // or resume is announced (NOTIFY), at every heartbeat, and when a job of a paused queue was
  // fetched anyway (the task wrapper then puts it back in line: it checks under the job's lock, so
  // a list a moment out of date costs a round trip, never a job started in a paused queue).
  let pausedFlags: string[] = [];
  let reading: Promise<void> | null = null;
  let readAgain = false;
  const refreshPausedFlags = (): Promise<void> => {
    if (reading) {
      // A read under way may have begun before the change committed: read once more after it.
      readAgain = true;
      return reading;
    }
    reading = (async () => {
      do {
        readAgain = false;
        try {
          pausedFlags = (await pausedQueues(db)).map(queueFlag);
        } catch {
          // the database is unreachable: keep the last known list
        }
      } while (readAgain);
      reading = null;
    })();
    return reading;
  };
  deps.pausedQueueSeen = refreshPausedFlags;
  await refreshPausedFlags();
  await handle.client.listen(QUEUE_PAUSES_CHANNEL, () => void refreshPausedFlags());
  const forbiddenFlags = () => pausedFlags;

  let runner: Runner;
  try {
    runner = await run({
      connectionString: options.databaseUrl,
      concurrency: options.concurrency,
      taskList,
      logger: quietLogger,
      noHandleSignals: true,
      forbiddenFlags,
      // Without these a job failing during shutdown can stay locked for hours (see NOTES-stack).
      gracefulShutdownAbortTimeout: 3000,
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
  } catch (error) {
    await workerUtils.release();
    await handle.close();
    throw error;
  }

  const beat = async () => {
    await db.update(workers).set({ lastSeenAt: sql`now()`, running }).where(eq(workers.id, id));
    await db
      .update(jobs)
      .set({ heartbeatAt: sql`now()` })
      .where(and(eq(jobs.workerId, id), eq(jobs.status, 'running')));
    const here = stops.jobIds;
    if (here.length === 0) return;
    const requested = await db
      .select({ id: jobs.id, status: jobs.status })
      .from(jobs)
      .where(and(inArray(jobs.id, here), isNotNull(jobs.cancelRequestedAt)));
    for (const job of requested) stops.stop(job.id, job.status === 'running' ? 'graceful' : 'force');
  };
  const rescue = async () => {
    const report = await rescueDeadWorkers(db, { deadAfterSeconds, selfId: id });
    for (const dead of report.workers) console.warn(`[worker] worker ${dead} stopped heartbeating; its jobs were rescued.`);
    if (report.retried.length + report.failed.length > 0) {
      console.warn(`[worker] rescued jobs: ${report.retried.length} back in line (${report.retried.join(', ')}), ${report.failed.length} failed (${report.failed.join(', ')}).`);
    }
  };
  // The dashboard's roll-up and the alerts: every worker tries at each beat, one does the work
  // (advisory locks), so they go on as long as any worker lives. Old sign-in counts go too.
  const maintain = async () => {
    await rollUpJobStats(db);
    await pruneSignInLimits(db);
    const changes = await evaluateAlerts(db, { log: (message) => console.warn(message) });
    for (const alert of changes.started) console.warn(`[alerts] on: ${alert.message}`);
    for (const alert of changes.cleared) console.warn(`[alerts] cleared: ${alert.key}`);
  };
  const tick = () => {
    void refreshPausedFlags();
    beat()
      .catch((error: unknown) => console.error(`[worker] heartbeat failed: ${(error as Error).message}`))
      .then(rescue)
      .catch((error: unknown) => console.error(`[worker] rescue failed: ${(error as Error).message}`))
      .then(maintain)
      .catch((error: unknown) => console.error(`[worker] statistics or alerts failed: ${(error as Error).message}`));
  };
  const heartbeat = setInterval(tick, heartbeatMs);
  tick(); // jobs left behind by workers that died while none was running are rescued at start

  let stopping: Promise<void> | undefined;
  return {
    id,
    stop() {
      stopping ??= (async () => {
        clearInterval(heartbeat);
        try {
          await runner.stop();
          await db.update(workers).set({ stoppedAt: sql`now()`, running: 0 }).where(eq(workers.id, id));
        } finally {
          await workerUtils.release();
          await handle.close();
        }
      })();
      return stopping;
    },
  };
}
