import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the console reads, validated once. Processes the launcher starts
 * (web server, worker) always get DATABASE_URL and AUTH_SECRET from it; only the launcher, the CLI
 * and the test runners may start without DATABASE_URL and fall back to the embedded Postgres.
 */
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const envSchema = z.object({
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  AUTH_SECRET: optionalText.pipe(z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional()),
  JOBS_DATA_DIR: z.string().default('.data'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(4),
  WORKER_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(10),
  JOB_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
  STUCK_AFTER_MINUTES: z.coerce.number().int().min(1).max(10_080).default(10),
  WORKER_DEAD_AFTER_SECONDS: z.coerce.number().int().min(2).max(86_400).default(60),
  ADMIN_EMAIL: z.email().default('admin@example.com'),
  ADMIN_PASSWORD: optionalText,
  USER_EMAIL: z.email().default('user@example.com'),
  USER_PASSWORD: optionalText,
  AUDITOR_EMAIL: z.email().default('auditor@example.com'),
  AUDITOR_PASSWORD: optionalText,
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

/** The validated environment; throws one readable message listing every bad variable. */
export function env(): Env {
  if (!cached) {
    const parsed = envSchema.safeParse(process.env);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
      throw new Error(`Invalid environment:\n${lines.join('\n')}`);
    }
    cached = parsed.data;
  }
  return cached;
}

/**
 * For the launcher, the CLI and the test runners: once they have a database (the embedded one when
 * DATABASE_URL was unset), everything after, and every child process, uses it.
 */
export function provideDatabaseUrl(url: string): void {
  process.env.DATABASE_URL = url;
  cached = undefined;
}

/** The connection string for processes that cannot start an embedded Postgres themselves. */
export function requireDatabaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set. Start the console with `npm start`, or set DATABASE_URL.');
  }
  return url;
}

/** Absolute path of the folder holding the embedded database, the generated secret and other local state. */
export function dataDir(): string {
  return path.resolve(env().JOBS_DATA_DIR);
}
