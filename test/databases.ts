import crypto from 'node:crypto';
import postgres from 'postgres';

/** A database name unique to this run: `<prefix>_<time>_<random>`, lower case, safe unquoted. */
export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
}

/** The same server URL pointing at another database. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function assertSafeName(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Unsafe database name: ${name}`);
}

/** Creates a database (optionally as a copy of `template`) and returns its URL. */
export async function createDatabase(serverUrl: string, name: string, template?: string): Promise<string> {
  assertSafeName(name);
  if (template) assertSafeName(template);
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database ${name}${template ? ` template ${template}` : ''}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return databaseUrlFor(serverUrl, name);
}

/** Drops databases, disconnecting anyone still connected. */
export async function dropDatabases(serverUrl: string, names: string[]): Promise<void> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    for (const name of names) {
      assertSafeName(name);
      await sql.unsafe(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Names of the databases starting with `prefix`. */
export async function databasesWithPrefix(serverUrl: string, prefix: string): Promise<string[]> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where starts_with(datname, ${prefix})`;
    return rows.map((row) => row.datname);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
