import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  primaryKey,
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
import { jobOrigins, jobPriorities, jobStatuses, logLevels, scheduleUnits, userRoles } from './enums';

export * from './enums';

export const userRole = pgEnum('user_role', userRoles);
export const jobStatus = pgEnum('job_status', jobStatuses);
export const jobPriority = pgEnum('job_priority', jobPriorities);
export const jobOrigin = pgEnum('job_origin', jobOrigins);
export const logLevel = pgEnum('log_level', logLevels);
export const scheduleUnit = pgEnum('schedule_unit', scheduleUnits);

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
 * Personal API tokens. Only a SHA-256 of the token is kept: the token is random (256 bits), so a
 * slow password hash would add nothing but cost on every request, and the table alone lets no one
 * act. A token acts as its owner, with the owner's role of the moment, until revoked.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The token's first characters, to tell tokens apart in the list (`jc_Ab12Cd`). */
    prefix: text('prefix').notNull(),
    tokenHash: bytea('token_hash').notNull().unique(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    /** Written at most once a minute per token. */
    lastUsedAt: timestamptz('last_used_at'),
    revokedAt: timestamptz('revoked_at'),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId, t.createdAt.desc())],
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
    scheduleId: bigint('schedule_id', { mode: 'number' }).references((): AnyPgColumn => schedules.id, { onDelete: 'set null' }),
    /** The `Idempotency-Key` an API launch came with: the same owner's retried request finds this job. */
    idempotencyKey: text('idempotency_key'),
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
    // The task filter, the most used one: its page newest first, everyone's (admins) and one
    // owner's (users). The status at the end lets the counts per tab read the index alone.
    index('jobs_task_listed_idx').on(t.task, t.id.desc(), t.status).where(sql`${t.clearedAt} is null`),
    index('jobs_owner_task_listed_idx').on(t.ownerId, t.task, t.id.desc(), t.status).where(sql`${t.clearedAt} is null`),
    // A schedule's last runs.
    index('jobs_schedule_idx').on(t.scheduleId, t.id.desc()).where(sql`${t.scheduleId} is not null`),
    // The per-minute roll-up reads the jobs that ended since it last ran.
    index('jobs_finished_idx').on(t.finishedAt).where(sql`${t.finishedAt} is not null`),
    // One job per owner and idempotency key: a retried API launch conflicts here and launches nothing.
    uniqueIndex('jobs_idempotency_idx').on(t.ownerId, t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
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
/**
 * The values of a job's secret arguments (jobs/secrets.ts), kept off `jobs` so that no listing,
 * search, export or event can select them: only the worker reads them, to run the job.
 */
export const jobSecrets = pgTable('job_secrets', {
  jobId: bigint('job_id', { mode: 'number' })
    .primaryKey()
    .references(() => jobs.id, { onDelete: 'cascade' }),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
});

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

/**
 * What the jobs page's words filter searches (title, arguments, error), one row per job with a
 * trigram index. Kept off `jobs`, whose rows are rewritten at every status and progress change:
 * triggers (migration 0006) write it when a job is created and when one of the three changes.
 */
export const jobSearch = pgTable('job_search', {
  jobId: bigint('job_id', { mode: 'number' })
    .primaryKey()
    .references(() => jobs.id, { onDelete: 'cascade' }),
  document: text('document').notNull(),
});

/** Admin settings (alert thresholds, the alert webhook): one JSON value per key, checked by zod. */
export const consoleSettings = pgTable('console_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id),
});

/** The catalogue's admin fields per task: an inactive task cannot be launched by anyone. */
export const taskSettings = pgTable('task_settings', {
  task: text('task').primaryKey(),
  active: boolean('active').notNull().default(true),
  note: text('note'),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id),
});

/** What the statistics keep per time bucket, task and queue (the minute and hour tables alike). */
const statsColumns = () => ({
  task: text('task').notNull(),
  queue: text('queue').notNull(),
  completed: integer('completed').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  cancelled: integer('cancelled').notNull().default(0),
  durationMsSum: bigint('duration_ms_sum', { mode: 'number' }).notNull().default(0),
  durations: integer('durations').array().notNull(),
});

/**
 * Jobs that ended, per minute, task and queue: what the dashboard's rates and charts read instead of
 * scanning `jobs`. `durations` counts runs per duration bucket (bounds in jobs/stats.ts), so that
 * percentiles can be read from any span of minutes.
 */
export const jobStatsMinute = pgTable(
  'job_stats_minute',
  {
    minute: timestamptz('minute').notNull(),
    ...statsColumns(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.task, t.queue] })],
);

/**
 * The same figures per hour, kept by the same roll-up, so that a week's chart sums a few thousand
 * rows rather than a hundred thousand minute rows.
 */
export const jobStatsHour = pgTable(
  'job_stats_hour',
  {
    hour: timestamptz('hour').notNull(),
    ...statsColumns(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.task, t.queue] })],
);

/**
 * Failed sign-ins counted per account and per address (rate-limiter-flexible's Drizzle store: its
 * column names), shared by every web process.
 */
export const signInLimits = pgTable('sign_in_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamptz('expire'),
});

/** Small named marks kept by maintenance work, e.g. how far the roll-up has read. */
export const maintenanceMarks = pgTable('maintenance_marks', {
  name: text('name').primaryKey(),
  at: timestamptz('at').notNull(),
});

/**
 * Alerts, one row per alert while it is on and after it cleared: `key` names what crossed which
 * threshold (`queue_length:default`). A partial unique index keeps at most one open per key.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    key: text('key').notNull(),
    message: text('message').notNull(),
    value: real('value').notNull(),
    threshold: real('threshold').notNull(),
    startedAt: timestamptz('started_at').notNull().defaultNow(),
    clearedAt: timestamptz('cleared_at'),
  },
  (t) => [
    uniqueIndex('alerts_open_idx').on(t.key).where(sql`${t.clearedAt} is null`),
    index('alerts_started_idx').on(t.startedAt.desc()),
  ],
);

/**
 * A task launched at a time, once or again every N minutes / hours / days / months. While active,
 * graphile-worker holds one job for it (job key `schedule:<id>`, run_at = next_run_at), so it
 * survives restarts and runs once per due time whatever the number of workers.
 */
export const schedules = pgTable(
  'schedules',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    task: text('task').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /** The values of the task's secret arguments, masked in `payload` (jobs/secrets.ts). */
    secretPayload: jsonb('secret_payload').$type<Record<string, unknown>>(),
    priority: jobPriority('priority'),
    firstRunAt: timestamptz('first_run_at').notNull(),
    repeatEvery: integer('repeat_every'),
    repeatUnit: scheduleUnit('repeat_unit'),
    active: boolean('active').notNull().default(false),
    nextRunAt: timestamptz('next_run_at'),
    lastRunAt: timestamptz('last_run_at'),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('schedules_repeat_pair', sql`(${t.repeatEvery} is null) = (${t.repeatUnit} is null)`),
    check('schedules_repeat_positive', sql`${t.repeatEvery} is null or ${t.repeatEvery} >= 1`),
  ],
);

export type Job = typeof jobs.$inferSelect;
