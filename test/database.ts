import { afterAll, beforeAll, inject } from 'vitest';
import { closeDb } from '@/db/client';
import { provideDatabaseUrl } from '@/lib/env';
import { createDatabase, dropDatabases } from './databases';

let counter = 0;

/**
 * Gives the calling test file a fresh, migrated database of its own (a copy of the run's template),
 * used by everything in the file through DATABASE_URL, and drops it afterwards. Returns a getter
 * for its URL (for child processes and workers).
 */
export function setUpTestDatabase(): () => string {
  let url = '';
  const serverUrl = inject('testServerUrl');
  const template = inject('testTemplate');
  const name = `${template}_${process.pid}_${++counter}`;
  beforeAll(async () => {
    url = await createDatabase(serverUrl, name, template);
    provideDatabaseUrl(url);
  });
  afterAll(async () => {
    await closeDb();
    await dropDatabases(serverUrl, [name]);
  });
  return () => url;
}
