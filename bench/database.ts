import { createDb, type DbHandle } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { ensureDatabaseServer, type DatabaseServer } from '@/db/server';
import { provideDatabaseUrl } from '@/lib/env';
import { createDatabase, dropDatabases, uniqueDatabaseName } from '@/test/databases';

export interface BenchDatabase {
  server: DatabaseServer;
  url: string;
  /** Two connections for the bench's own queries. */
  handle: DbHandle;
}

/**
 * Runs `work` on a fresh, migrated database (on the embedded server, or DATABASE_URL's), which the
 * process and the consoles it starts use meanwhile, and drops it afterwards, however `work` ends.
 */
export async function withBenchDatabase(log: (message: string) => void, work: (database: BenchDatabase) => Promise<void>): Promise<void> {
  const server = await ensureDatabaseServer(log);
  const name = uniqueDatabaseName('jobs_bench');
  const url = await createDatabase(server.adminUrl, name);
  const handle = createDb(url, { max: 2, applicationName: 'jobs-console-bench' });
  try {
    provideDatabaseUrl(url);
    await migrateDatabase(url);
    await work({ server, url, handle });
  } finally {
    await handle.close();
    await dropDatabases(server.adminUrl, [name]);
    await server.release();
  }
}
