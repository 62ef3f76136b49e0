import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { runMigrations } from 'graphile-worker';
import { quietLogger } from '@/jobs/worker/logger';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Brings a database up to date: our tables (drizzle-kit migrations in db/migrations) and
 * graphile-worker's schema, which the web process needs too because it enqueues with
 * `graphile_worker.add_job`. Safe to run from several processes at once (an advisory lock).
 */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(hashtext('jobs-console:migrate'))`;
    await migrate(drizzle(sql), { migrationsFolder });
    await runMigrations({ connectionString: url, logger: quietLogger });
    await sql`select pg_advisory_unlock(hashtext('jobs-console:migrate'))`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
