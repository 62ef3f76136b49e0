import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { ensureDatabaseServer, type DatabaseServer } from '@/db/server';
import { ensureAuthSecret, seedFirstAccounts } from '@/db/seed';
import { env, provideDatabaseUrl } from '@/lib/env';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const log = (message: string) => console.log(`[console] ${message}`);

export interface RunningConsole {
  url: string;
  /** Every web process's address, the first being `url`. */
  urls: string[];
  databaseUrl: string;
  /** Resolves when a child process exits on its own (a crash), with its name. */
  crashed: Promise<string>;
  /** Stops the web server, then the worker, then lets go of the database: in that order. */
  stop(): Promise<void>;
}

/**
 * Brings the whole console up: the database (embedded unless DATABASE_URL is set), migrations, the
 * first accounts, a production build when the sources changed, the workers and the web servers.
 */
export async function startConsole(options: {
  port: number;
  /** More web processes, one per port, behind no load balancer (the real deployment, on one machine). */
  morePorts?: number[];
  /** How many worker processes (1 by default). */
  workers?: number;
  dev?: boolean;
  workerConcurrency?: number;
  /** A database the caller already holds (and releases itself); by default, ensureDatabaseServer's. */
  database?: DatabaseServer;
}): Promise<RunningConsole> {
  const server = options.database ?? (await ensureDatabaseServer(log));
  const release = options.database ? async () => {} : () => server.release();
  const children: { name: string; child: ChildProcess }[] = [];
  try {
    provideDatabaseUrl(server.url);
    await migrateDatabase(server.url);
    const seeding = createDb(server.url, { max: 1, applicationName: 'jobs-console-launcher' });
    try {
      await seedFirstAccounts(seeding.db, log);
    } finally {
      await seeding.close();
    }
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: server.url,
      AUTH_SECRET: ensureAuthSecret(),
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(options.port),
      WORKER_CONCURRENCY: String(options.workerConcurrency ?? env().WORKER_CONCURRENCY),
    };
    if (!options.dev) await ensureProductionBuild(childEnv);

    for (let index = 1; index <= (options.workers ?? 1); index++) {
      children.push({
        name: index === 1 ? 'worker' : `worker ${index}`,
        child: spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'jobs/worker/main.ts'], {
          cwd: projectRoot,
          env: childEnv,
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      });
    }
    const ports = [options.port, ...(options.morePorts ?? [])];
    for (const [index, port] of ports.entries()) {
      children.push({
        name: index === 0 ? 'web' : `web ${index + 1}`,
        child: spawn(process.execPath, [nextBin(), options.dev ? 'dev' : 'start', '--port', String(port)], {
          cwd: projectRoot,
          env: { ...childEnv, PORT: String(port) },
          stdio: ['ignore', 'inherit', 'inherit'],
        }),
      });
    }
    let stopping = false;
    const crashed = new Promise<string>((resolve) => {
      for (const { name, child } of children) child.once('exit', () => !stopping && resolve(name));
    });
    const urls = ports.map((port) => `http://localhost:${port}`);
    const started = Promise.all(urls.map((url) => waitForHttp(`${url}/login`, 180_000)));
    await Promise.race([started, crashed.then((name) => Promise.reject(new Error(`The ${name} process exited during start-up.`)))]);
    return {
      url: urls[0]!,
      urls,
      databaseUrl: server.url,
      crashed,
      async stop() {
        stopping = true;
        await stopChildren(children);
        await release();
      },
    };
  } catch (error) {
    await stopChildren(children);
    await release();
    throw error;
  }
}

function nextBin(): string {
  return path.join(projectRoot, 'node_modules', 'next', 'dist', 'bin', 'next');
}

/** Web first (no new work comes in), then the workers (running jobs finish or are handed back). */
async function stopChildren(children: { name: string; child: ChildProcess }[]): Promise<void> {
  for (const kind of ['web', 'worker']) {
    await Promise.all(children.filter((entry) => entry.name.split(' ')[0] === kind).map((entry) => stopChild(entry.child, entry.name)));
  }
}

function stopChild(child: ChildProcess, name: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      log(`The ${name} process did not stop within 15 s; killing it.`);
      child.kill('SIGKILL');
    }, 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The web server did not answer at ${url} within ${timeoutMs / 1000} s.`);
}

const buildInputs = ['app', 'components', 'db', 'jobs', 'lib', 'types', 'auth.ts', 'auth.config.ts', 'proxy.ts', 'next.config.ts', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json'];

/** A hash of everything the production build is made from. */
function sourceFingerprint(): string {
  const hash = crypto.createHash('sha256');
  const visit = (relative: string) => {
    const absolute = path.join(projectRoot, relative);
    if (!fs.existsSync(absolute)) return;
    if (fs.statSync(absolute).isDirectory()) {
      for (const entry of fs.readdirSync(absolute).sort()) visit(path.join(relative, entry));
    } else {
      hash.update(relative).update('\0').update(fs.readFileSync(absolute)).update('\0');
    }
  };
  buildInputs.forEach(visit);
  return hash.digest('hex');
}

/** Runs `next build` unless the last build was made from exactly these sources. */
async function ensureProductionBuild(childEnv: NodeJS.ProcessEnv): Promise<void> {
  const stamp = path.join(projectRoot, '.next', 'jobs-console-build.txt');
  const fingerprint = sourceFingerprint();
  if (fs.existsSync(path.join(projectRoot, '.next', 'BUILD_ID')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === fingerprint) {
    return;
  }
  log('Building the web app (first start, or the sources changed)…');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const build = spawn(process.execPath, [nextBin(), 'build'], { cwd: projectRoot, env: { ...childEnv, NODE_ENV: 'production' }, stdio: 'inherit' });
    build.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (exit code ${code}).`))));
  });
  fs.writeFileSync(stamp, fingerprint);
  log(`Built in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
}

