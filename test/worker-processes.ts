import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const children = new Set<ChildProcess>();

/**
 * A real worker process, as `npm run worker` starts it, on `databaseUrl` with `env` added; resolved
 * once it takes jobs. Its standard output is kept in `output()` (for a test's failure message).
 */
export function startWorkerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ChildProcess & { output(): string }> {
  const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'jobs/worker/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      collect(chunk);
      if (output.includes('started')) resolve(Object.assign(child, { output: () => output }));
    });
    child.once('exit', (code) => reject(new Error(`a worker exited (${code}) before it started: ${output}`)));
  });
}

/** Sends `signal` and resolves when the process has exited. */
export function killProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** SIGKILLs every worker process still running (for afterAll). */
export async function killWorkerProcesses(): Promise<void> {
  await Promise.all([...children].map((child) => killProcess(child, 'SIGKILL')));
}
