import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type Runner } from 'graphile-worker';
import { quietLogger } from '@/jobs/worker/logger';

/**
 * Worker processes for the benchmarks that compare the console with raw graphile-worker: ours is
 * the real `npm run worker`; raw is graphile-worker alone with a task that does nothing, in a
 * process of its own too, with the same concurrency and the same graphile-worker settings.
 */

const RAW_WORKER_ROLE = 'bench-raw-worker';
/** The raw side's task identifier. */
export const RAW_TASK = 'bench-noop';
/** The same graphile-worker settings as jobs/worker/start-worker.ts. */
const workerPreset = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of this machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

/** What the raw task sends its parent when it starts, if its payload asks it to. */
export interface RawStart {
  key: string;
  at: number;
}

/** Starts a worker process and resolves once it is taking jobs; `onStart` hears the raw task's reports. */
export function startWorkerProcess(kind: 'ours' | 'raw', url: string, concurrency: number, onStart?: (start: RawStart) => void): Promise<ChildProcess> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const child =
    kind === 'ours'
      ? spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'jobs/worker/main.ts'], {
          cwd: root,
          env: { ...process.env, DATABASE_URL: url, WORKER_CONCURRENCY: String(concurrency) },
          stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        })
      : fork(fileURLToPath(import.meta.url), [RAW_WORKER_ROLE, url, String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  if (onStart) child.on('message', (message) => onStart(message as RawStart));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/started/.test(output)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`The ${kind} worker exited (${code}) before it started: ${output}`)));
  });
}

/** Stops a worker process as its operator would (SIGTERM) and waits for it to exit. */
export function stopWorkerProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function serveRawWorker(url: string, concurrency: number) {
  const runner: Runner = await run({
    connectionString: url,
    concurrency,
    taskList: {
      [RAW_TASK]: async (payload) => {
        const key = (payload as { key?: unknown } | null)?.key;
        if (typeof key === 'string') process.send?.({ key, at: wallMs() } satisfies RawStart);
      },
    },
    logger: quietLogger,
    noHandleSignals: true,
    preset: workerPreset,
  });
  console.log('raw worker started');
  const stop = () => void runner.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

if (process.argv[2] === RAW_WORKER_ROLE) void serveRawWorker(process.argv[3]!, Number(process.argv[4]));
