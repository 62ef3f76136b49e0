import 'zod-openapi';
import { z } from 'zod';
import { jobOrigins, jobPriorities, jobStatuses, logLevels } from '@/db/enums';
import type { JobDetails, JobListItem, JobLogLine } from '@/jobs/queries';
import { jobTabs } from '@/jobs/tabs';
import { logFilters } from '@/jobs/queries';
import { jobFilterSchema } from '@/jobs/filters';

/**
 * The REST API's shapes, as zod schemas: the handlers read their input with them, and the OpenAPI
 * document (lib/api/openapi.ts) is generated from the same schemas, so the two cannot drift apart.
 * The response serialisers below are typed against them (`z.input` of the response schemas).
 */

const timestamp = z.iso.datetime({ offset: true }).meta({ description: 'An ISO 8601 time in UTC.', example: '2026-11-22T09:30:00.000Z' });
const nullableTimestamp = timestamp.nullable();

/** A cursor or limit from a query string: a positive whole number. */
const positiveInteger = (max: number) => z.string().regex(/^[1-9]\d{0,14}$/, 'must be a positive whole number').transform(Number).pipe(z.number().max(max));

export const apiErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'method_not_allowed', 'unsupported_media_type', 'payload_too_large', 'internal']),
      message: z.string().meta({ description: 'What went wrong, in words meant for a person.' }),
      details: z
        .array(z.object({ field: z.string().meta({ description: 'The field or parameter at fault, as a dotted path.' }), message: z.string() }))
        .optional()
        .meta({ description: 'One entry per invalid field or parameter.' }),
    }),
  })
  .meta({ id: 'Error' });

export const jobSchema = z
  .object({
    id: z.number().int().positive(),
    url: z.string().meta({ description: "The job's page in the console (a path)." }),
    task: z.string(),
    title: z.string(),
    status: z.enum(jobStatuses),
    progress: z.number().min(0).max(1),
    step: z.string().nullable(),
    message: z.string().nullable().meta({ description: 'The last thing the job said.' }),
    origin: z.enum(jobOrigins),
    startedBy: z.string().nullable().meta({ description: 'An email, or the OS user and "(cli)" for a command-line job.' }),
    queue: z.string(),
    queuePaused: z.boolean(),
    stuck: z.boolean().meta({ description: 'Running, but silent for longer than the stuck threshold.' }),
    relatedUrl: z.string().nullable(),
    createdAt: timestamp,
    startedAt: nullableTimestamp,
    finishedAt: nullableTimestamp,
    clearedAt: nullableTimestamp.meta({ description: "When it was cleared from its owner's jobs page (auditors still see it)." }),
    eventId: z.number().int().meta({ description: "The job's last event id on the event stream." }),
  })
  .meta({ id: 'Job' });

const attemptErrorSchema = z.object({
  attempt: z.number().int(),
  kind: z.enum(['error', 'interrupted']),
  at: z.string(),
  workerId: z.string().nullable(),
  message: z.string(),
  stack: z.string().nullable(),
});

export const jobDetailsSchema = jobSchema
  .extend({
    priority: z.enum(jobPriorities),
    arguments: z.record(z.string(), z.unknown()).meta({ description: 'The arguments it was launched with; secret ones read "••••".' }),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    runAt: timestamp,
    workerId: z.string().nullable(),
    warnings: z.number().int(),
    errors: z.number().int(),
    result: z.unknown().meta({ description: 'What the task returned (JSON), once completed.' }),
    error: z.string().nullable(),
    errorStack: z.string().nullable(),
    attemptErrors: z.array(attemptErrorSchema),
    retryOf: z.number().int().nullable(),
    retries: z.array(z.number().int()).meta({ description: 'The jobs launched as retries of this one.' }),
    cancelRequestedAt: nullableTimestamp,
  })
  .meta({ id: 'JobDetails' });

export const logLineSchema = z
  .object({ id: z.number().int(), at: timestamp, level: z.enum(logLevels), attempt: z.number().int(), message: z.string() })
  .meta({ id: 'LogLine' });

/** The jobs list's query: the jobs page's tab and filters, plus keyset cursors and a page size. */
export const listJobsQuerySchema = jobFilterSchema
  .extend({
    tab: z.enum(jobTabs).default('all').meta({ description: 'all, active (waiting or running) or failed.' }),
    after: positiveInteger(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Jobs older than this id: the `older` cursor of the page before.' }),
    before: positiveInteger(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Jobs newer than this id: the `newer` cursor of a page.' }),
    limit: positiveInteger(200).optional().meta({ description: 'Jobs per page, 1 to 200; 50 when not given.' }),
  })
  .strict();

export const jobsPageSchema = z
  .object({
    data: z.array(jobSchema),
    page: z.object({
      newer: z.number().int().nullable().meta({ description: 'Pass as `before` for the newer jobs; null on the newest page.' }),
      older: z.number().int().nullable().meta({ description: 'Pass as `after` for the older jobs; null on the last page.' }),
    }),
  })
  .meta({ id: 'JobsPage' });

export const jobResponseSchema = z.object({ data: jobDetailsSchema });

export const launchRequestSchema = z
  .object({
    task: z.string().min(1).max(100).meta({ description: 'The task\'s name (see the launch page, or `jobs-console tasks`).', example: 'ping' }),
    arguments: z.record(z.string(), z.unknown()).optional().meta({ description: "The task's arguments, checked by its own schema." }),
    priority: z.enum(jobPriorities).optional().meta({ description: "The task's default when not given." }),
  })
  .strict();

export const cancelRequestSchema = z
  .object({
    mode: z
      .enum(['graceful', 'force'])
      .default('graceful')
      .meta({ description: 'For a running job: graceful asks it to stop at its next step; force ends it cancelled at once.' }),
  })
  .strict();

export const controlOutcomes = ['cancelled', 'stop-requested', 'force-stopped'] as const;

export const cancelResponseSchema = z.object({
  outcome: z.enum(controlOutcomes),
  message: z.string(),
  data: jobDetailsSchema,
});

export const logQuerySchema = z
  .object({
    level: z.enum(logFilters).default('all').meta({ description: 'all lines, warnings and errors (warning), or errors only (error).' }),
    before: positiveInteger(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Lines before this line id: the `earlier` cursor.' }),
    after: positiveInteger(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Lines after this line id: the `later` cursor.' }),
    limit: positiveInteger(1000).optional().meta({ description: 'Lines per page, 1 to 1000; 100 when not given.' }),
  })
  .strict();

export const logPageSchema = z.object({
  data: z.array(logLineSchema),
  page: z.object({
    earlier: z.number().int().nullable().meta({ description: 'Pass as `before` for the earlier lines; null when there are none.' }),
    later: z.number().int().nullable().meta({ description: 'Pass as `after` for the later lines; null when there are none yet.' }),
  }),
});

/** `Idempotency-Key`: what a client sends again with a retried launch. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be 1 to 200 visible ASCII characters (a UUID is a good key)');

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toApiJob(job: JobListItem): z.input<typeof jobSchema> {
  return {
    id: job.id,
    url: `/jobs/${job.id}`,
    task: job.task,
    title: job.title,
    status: job.status,
    progress: job.progress,
    step: job.step,
    message: job.message,
    origin: job.origin,
    startedBy: job.startedBy,
    queue: job.queue,
    queuePaused: job.queuePaused,
    stuck: job.stuck,
    relatedUrl: job.relatedUrl,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    clearedAt: iso(job.clearedAt),
    eventId: job.eventId,
  };
}

export function toApiJobDetails(job: JobDetails): z.input<typeof jobDetailsSchema> {
  return {
    ...toApiJob(job),
    priority: job.priority,
    arguments: job.payload,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    runAt: job.runAt.toISOString(),
    workerId: job.workerId,
    warnings: job.warnings,
    errors: job.errors,
    result: job.result ?? null,
    error: job.error,
    errorStack: job.errorStack,
    attemptErrors: job.attemptErrors,
    retryOf: job.retryOf,
    retries: job.retries,
    cancelRequestedAt: iso(job.cancelRequestedAt),
  };
}

export function toApiLogLine(line: JobLogLine): z.input<typeof logLineSchema> {
  return { id: line.id, at: line.at.toISOString(), level: line.level, attempt: line.attempt, message: line.message };
}
