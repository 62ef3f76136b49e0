import postgres, { type Sql } from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema';
import { requireDatabaseUrl } from '@/lib/env';

export type Db = PostgresJsDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything a query can run on: the pool or an open transaction. */
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  /** The postgres.js client behind `db`; drizzle changed its serializers, so use it only through `db`. */
  client: Sql;
  close(): Promise<void>;
}

/** A new pool of its own; callers that are not the web app (worker, CLI, tests) close it themselves. */
export function createDb(url: string, options: { max?: number; applicationName?: string } = {}): DbHandle {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'jobs-console' },
  });
  const db = drizzle(client, { schema });
  return { db, client, close: () => client.end({ timeout: 5 }) };
}

// One pool per process, created on first use: `next build` imports every route module, so nothing
// may connect (or even read DATABASE_URL) at import time. Kept on globalThis to survive dev reloads.
const holder = globalThis as unknown as { __jobsConsoleDb?: DbHandle };

/** The process-wide pool for DATABASE_URL. */
export function getDb(): Db {
  holder.__jobsConsoleDb ??= createDb(requireDatabaseUrl(), { applicationName: 'jobs-console-web' });
  return holder.__jobsConsoleDb.db;
}

/** The postgres.js client behind `getDb()`, for what drizzle does not do (cursors). */
export function getSqlClient(): Sql {
  getDb();
  return holder.__jobsConsoleDb!.client;
}

/** Closes the process-wide pool, if one was opened. */
export async function closeDb(): Promise<void> {
  const handle = holder.__jobsConsoleDb;
  holder.__jobsConsoleDb = undefined;
  await handle?.close();
}
