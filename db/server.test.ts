import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type DatabaseServer } from './server';

describe('embedded PostgreSQL', () => {
  // mkdtemp makes 0700 folders; the postgres user (Postgres refuses to run as root) must enter them.
  const roots = [0, 1].map(() => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-console-copy-'));
    fs.chmodSync(root, 0o755);
    return root;
  });
  const servers: DatabaseServer[] = [];

  afterAll(async () => {
    for (const server of servers) await server.release();
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });

  it('gives two copies of the project side by side their own cluster on their own port', async () => {
    servers.push(...(await Promise.all(roots.map((root) => startEmbeddedServer(root)))));
    const ports = servers.map((server) => new URL(server.url).port);
    expect(new Set(ports).size).toBe(2);
    expect(ports.every((port) => port !== '5432')).toBe(true);
    const answers = await Promise.all(
      servers.map(async (server) => {
        const sql = postgres(server.url, { max: 1 });
        try {
          const [row] = await sql<{ dir: string }[]>`select current_setting('data_directory') as dir`;
          return row!.dir;
        } finally {
          await sql.end();
        }
      }),
    );
    expect(answers).toEqual(roots.map((root) => path.join(root, 'pg')));
  }, 120_000);

  it('survives three processes starting on a fresh data folder at once, and stops when the last one is done', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-console-race-'));
    fs.chmodSync(root, 0o755);
    try {
      const cli = path.resolve(import.meta.dirname, '..', 'bin', 'jobs-console.mjs');
      const run = () =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          let out = '';
          const child = spawn(process.execPath, [cli, 'list'], { env: { ...process.env, DATABASE_URL: '', JOBS_DATA_DIR: root } });
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.on('close', (code) => resolve({ code, out: out.trim() }));
        });
      const results = await Promise.all([run(), run(), run()]);
      expect(results).toEqual([0, 1, 2].map(() => ({ code: 0, out: 'There are no jobs.' })));
      expect(fs.existsSync(path.join(root, 'pg', 'PG_VERSION'))).toBe(true);
      expect(fs.existsSync(path.join(root, 'pg', 'postmaster.pid'))).toBe(false);
      expect(fs.readdirSync(path.join(root, 'pg-leases'))).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  it.runIf(process.getuid?.() === 0)('says which folder the postgres user cannot enter', async () => {
    const locked = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-console-locked-'));
    try {
      await expect(startEmbeddedServer(path.join(locked, 'project', '.data'))).rejects.toThrow(
        `PostgreSQL runs as the "postgres" user, which cannot enter ${locked}.`,
      );
    } finally {
      fs.rmSync(locked, { recursive: true, force: true });
    }
  });

  it('keeps its port across a restart and stops when the last user lets go', async () => {
    const root = roots[0]!;
    const first = servers.shift()!;
    const port = new URL(first.url).port;
    await first.release();
    expect(fs.existsSync(path.join(root, 'pg', 'postmaster.pid'))).toBe(false);
    const again = await startEmbeddedServer(root);
    servers.push(again);
    expect(new URL(again.url).port).toBe(port);
  }, 120_000);
});
