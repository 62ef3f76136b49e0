import fs from 'node:fs';
import { ensureDatabaseServer } from '@/db/server';
import { startConsole } from '@/scripts/launcher';
import { createDatabase, dropDatabases, uniqueDatabaseName } from '@/test/databases';
import { e2eStateFile } from './state';

/**
 * Playwright's web server: the real console (production build, worker, web) on a fresh database
 * created for this run, dropped when Playwright stops it.
 */
async function main() {
  const port = Number(process.env.E2E_PORT);
  const server = await ensureDatabaseServer((message) => console.log(`[e2e] ${message}`));
  const name = uniqueDatabaseName('jobs_e2e');
  const url = await createDatabase(server.adminUrl, name);
  const cleanUp = async () => {
    await dropDatabases(server.adminUrl, [name]);
    await server.release();
    fs.rmSync(e2eStateFile(port), { force: true });
  };
  let app: Awaited<ReturnType<typeof startConsole>>;
  try {
    app = await startConsole({ port, database: { ...server, url }, workerConcurrency: 4 });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  fs.writeFileSync(e2eStateFile(port), JSON.stringify({ databaseUrl: url }));
  console.log(`[e2e] Console at ${app.url} on database ${name}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.stop();
    await cleanUp();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error('[e2e] Could not start the console:', error);
  process.exit(1);
});
