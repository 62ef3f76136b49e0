import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '@/db/migrate';
import { ensureDatabaseServer } from '@/db/server';
import { createDatabase, databasesWithPrefix, dropDatabases, uniqueDatabaseName } from './databases';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the server's maintenance database, for creating the per-file databases. */
    testServerUrl: string;
    /** A migrated database that each test file copies. */
    testTemplate: string;
  }
}

/**
 * Once per run: a database server (DATABASE_URL's, or the embedded one) and a freshly migrated
 * template database. Each test file copies the template into a database of its own; everything
 * this run created is dropped at the end.
 */
export default async function setup(project: TestProject) {
  const server = await ensureDatabaseServer();
  const template = uniqueDatabaseName('jobs_test');
  const templateUrl = await createDatabase(server.adminUrl, template);
  await migrateDatabase(templateUrl);
  project.provide('testServerUrl', server.adminUrl);
  project.provide('testTemplate', template);
  return async () => {
    await dropDatabases(server.adminUrl, await databasesWithPrefix(server.adminUrl, template));
    await server.release();
  };
}
