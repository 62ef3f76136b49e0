import { migrateDatabase } from '@/db/migrate';
import { requireDatabaseUrl } from '@/lib/env';

/**
 * `npm run migrate`: brings DATABASE_URL's schema up to date (the console's tables, then
 * graphile-worker's), under an advisory lock, so that several machines may run it at once. For
 * deployments that start `next start` and `npm run worker` directly; `npm start` does it itself.
 */
migrateDatabase(requireDatabaseUrl()).then(
  () => console.log('The database is up to date.'),
  (error: unknown) => {
    console.error('Migrating failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
