import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { jobOrigins, jobPriorities, jobStatuses, logLevels, userRoles } from './enums';

export * from './enums';

export const userRole = pgEnum('user_role', userRoles);
export const jobStatus = pgEnum('job_status', jobStatuses);
export const jobPriority = pgEnum('job_priority', jobPriorities);
export const jobOrigin = pgEnum('job_origin', jobOrigins);
export const logLevel = pgEnum('log_level', logLevels);

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull().unique(),
    role: userRole('role').notNull().default('user'),
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    disabledAt: timestamptz('disabled_at'),
    /** Sessions that began before this (a password change) are refused. */
    sessionsValidAfter: timestamptz('sessions_valid_after'),
  },
  (t) => [check('users_email_lowercase', sql`${t.email} = lower(${t.email})`)],
);

/**
 * Sessions ended by signing out. Sessions are stateless JWTs, so without this list a copy of the
 * cookie (or a request in flight when the person signed out, whose response renews the cookie)
 * would keep working until it expires.
 */
export const revokedSessions = pgTable(
  'revoked_sessions',
  {
    sessionId: uuid('session_id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    revokedAt: timestamptz('revoked_at').notNull().defaultNow(),
    /** When the token would have expired anyway; the row is useless after that. */
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [index('revoked_sessions_expires_idx').on(t.expiresAt)],
);

/**
 * The history of every job: the source of truth for the UI. graphile-worker's own row is deleted
 * when a job ends, so it cannot be the history.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    task: text('task').notNull(),
    title: text('title').notNull(),
    status: jobStatus('status').notNull().default('queued'),
    priority: jobPriority('priority').notNull().default('normal'),
    queue: text('queue').notNull().default('default'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    origin: jobOrigin('origin').notNull(),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'restrict' }),
    osUser: text('os_user'),
    relatedUrl: text('related_url'),
    progress: real('progress').notNull().default(0),
    step: text('step'),
    message: text('message'),
    warnings: integer('warnings').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    runAt: timestamptz('run_at').notNull().defaultNow(),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    heartbeatAt: timestamptz('heartbeat_at'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    workerId: text('worker_id'),
    result: jsonb('result'),
    error: text('error'),
    errorStack: text('error_stack'),
    /** Every failed or interrupted attempt's error, oldest first (`error` holds the last). */
    attemptErrors: jsonb('attempt_errors').$type<AttemptError[]>().notNull().default([]),
    /**
     * Position of the row's last visible change in the event stream, set by a trigger from the
     * `job_event_seq` sequence (migration 0004), which also NOTIFYs `job_events`. Clients resume
     * from it, and the page ignores events older than what it rendered.
     */
    eventId: bigint('event_id', { mode: 'number' }).notNull().default(0),
    cancelRequestedAt: timestamptz('cancel_requested_at'),
    cancelRequestedBy: uuid('cancel_requested_by').references(() => users.id),
    clearedAt: timestamptz('cleared_at'),
    clearedBy: uuid('cleared_by').references(() => users.id),
    retryOf: bigint('retry_of', { mode: 'number' }).references((): AnyPgColumn => jobs.id),
    scheduleId: bigint('schedule_id', { mode: 'number' }),
  },
  (t) => [
    check('jobs_progress_range', sql`${t.progress} >= 0 and ${t.progress} <= 1`),
    check('jobs_web_has_owner', sql`${t.origin} not in ('web', 'api') or ${t.ownerId} is not null`),
    check('jobs_cli_has_no_owner', sql`${t.origin} <> 'cli' or (${t.ownerId} is null and ${t.osUser} is not null)`),
    check('jobs_attempts_positive', sql`${t.attempts} >= 0 and ${t.maxAttempts} >= 1`),
    // Jobs page, newest first: everyone's (admins) and one owner's (users), without cleared jobs.
    index('jobs_listed_idx').on(t.id.desc()).where(sql`${t.clearedAt} is null`),
    index('jobs_owner_listed_idx').on(t.ownerId, t.id.desc()).where(sql`${t.clearedAt} is null`),
    // Active and Failed tabs stay cheap whatever the size of the history. Active jobs are few at any
    // time, so one index serves every viewer; failed jobs pile up, so they get one per query shape.
    index('jobs_active_idx')
      .on(t.id.desc())
      .where(sql`${t.status} in ('scheduled', 'queued', 'retrying', 'running')`),
    index('jobs_failed_idx').on(t.id.desc()).where(sql`${t.status} = 'failed' and ${t.clearedAt} is null`),
    index('jobs_owner_failed_idx')
      .on(t.ownerId, t.id.desc())
      .where(sql`${t.status} = 'failed' and ${t.clearedAt} is null`),
    // Admins clear CLI jobs as well as their own.
    index('jobs_cli_listed_idx').on(t.id.desc()).where(sql`${t.origin} = 'cli' and ${t.clearedAt} is null`),
    index('jobs_retry_of_idx').on(t.retryOf).where(sql`${t.retryOf} is not null`),
    // Replaying the events a reconnecting client missed.
    index('jobs_event_idx').on(t.eventId),
  ],
);

export interface AttemptError {
  attempt: number;
  /** `error`: the task threw; `interrupted`: its worker died or stopped answering. */
  kind: 'error' | 'interrupted';
  at: string;
  workerId: string | null;
  message: string;
  stack: string | null;
}

/** Files a job produced, kept in Postgres so that any web process can serve them. */
export const jobArtifacts = pgTable(
  'job_artifacts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    content: bytea('content').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  // A task that writes the same name again (a later attempt) replaces the file.
  (t) => [uniqueIndex('job_artifacts_job_name_idx').on(t.jobId, t.name)],
);

export const jobLogs = pgTable(
  'job_logs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    at: timestamptz('at').notNull().defaultNow(),
    level: logLevel('level').notNull().default('info'),
    attempt: integer('attempt').notNull().default(0),
    message: text('message').notNull(),
  },
  (t) => [index('job_logs_job_idx').on(t.jobId, t.id)],
);

/** Append-only (a trigger refuses UPDATE and DELETE): who did what to which jobs, when, from where. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamptz('at').notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'restrict' }),
    actorLabel: text('actor_label').notNull(),
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    jobIds: bigint('job_ids', { mode: 'number' }).array().notNull().default(sql`'{}'::bigint[]`),
    jobCount: integer('job_count').notNull().default(0),
    filter: jsonb('filter'),
    origin: text('origin').notNull(),
    address: text('address'),
    details: jsonb('details'),
  },
  (t) => [index('audit_events_at_idx').on(t.at.desc()), index('audit_events_actor_idx').on(t.actorId, t.at.desc())],
);

/** Paused queues: workers do not start their jobs (graphile-worker's forbiddenFlags) until resumed. */
export const queuePauses = pgTable('queue_pauses', {
  queue: text('queue').primaryKey(),
  pausedAt: timestamptz('paused_at').notNull().defaultNow(),
  pausedBy: uuid('paused_by').references(() => users.id),
});

/** One row per worker process; the heartbeat lets the console tell live workers from dead ones. */
export const workers = pgTable('workers', {
  id: text('id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  concurrency: integer('concurrency').notNull(),
  running: integer('running').notNull().default(0),
  startedAt: timestamptz('started_at').notNull().defaultNow(),
  lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
  stoppedAt: timestamptz('stopped_at'),
});

export type Job = typeof jobs.$inferSelect;
