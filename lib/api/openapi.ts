import 'server-only';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { jobPriorities } from '@/db/enums';
import { exportFormats } from '@/jobs/export';
import { taskCatalogue } from '@/jobs/catalogue';
import { canLaunchTask } from '@/jobs/permissions';
import type { Viewer } from '@/jobs/viewer';
import {
  apiErrorSchema,
  cancelRequestSchema,
  cancelResponseSchema,
  idempotencyKeySchema,
  jobResponseSchema,
  jobsPageSchema,
  launchRequestSchema,
  listJobsQuerySchema,
  logPageSchema,
  logQuerySchema,
} from './schemas';

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the handlers read and answer
 * with (lib/api/schemas.ts), and from each task's own argument schema. The launch request lists the
 * tasks the viewer may launch, so the document a person sees is the API as it answers them.
 */

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: apiErrorSchema } } });

/** What every token-authenticated operation may answer besides its own outcomes. */
const commonErrors = {
  '401': errorResponse('No token, or a malformed, unknown or revoked one, or its account is disabled.'),
  '500': errorResponse('Something failed on the server.'),
} satisfies ZodOpenApiResponsesObject;

const jobIdParams = z.object({ id: z.string().regex(/^[1-9]\d{0,14}$/).meta({ description: "The job's id.", example: '42' }) });

const filterNote = 'Filters as on the jobs page: task, status, origin, queue, priority, user (email, admins and auditors), from and to (days, UTC), q (words, 3 characters or more).';

/** The launch request: one variant per task the viewer may launch, its arguments as the task's schema says. */
function launchBodySchema(viewer: Viewer): z.ZodType {
  const tasks = taskCatalogue.filter((task) => !task.hidden && canLaunchTask(viewer, task.launchableBy));
  const variants = tasks.map((task) => {
    const optional = task.schema.safeParse({}).success;
    return z
      .object({
        task: z.literal(task.name),
        arguments: optional ? task.schema.optional() : task.schema,
        priority: z.enum(jobPriorities).optional().meta({ description: `${task.defaultPriority} when not given.` }),
      })
      .strict()
      .meta({ id: `Launch.${task.name}`, title: task.title, description: task.description });
  });
  const [first, ...rest] = variants;
  if (!first) return launchRequestSchema.meta({ id: 'LaunchRequest', description: 'You may launch no task: every launch answers 403.' });
  return z.discriminatedUnion('task', [first, ...rest]).meta({ id: 'LaunchRequest' });
}

function operation(op: ZodOpenApiOperationObject): ZodOpenApiOperationObject {
  return { ...op, responses: { ...op.responses, ...commonErrors } };
}

export function openApiDocument(viewer: Viewer, serverUrl: string) {
  const job = { description: 'The job.', content: { 'application/json': { schema: jobResponseSchema } } };
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Jobs console API',
        version: '1',
        description:
          'Launch, follow, cancel and retry background jobs, read their logs, stream their events and export their history. ' +
          'Each request carries a personal API token (`Authorization: Bearer jc_…`), made on the API tokens page; it acts with its owner’s role, ' +
          'under exactly the rules of the console’s pages. Errors are JSON: `{ "error": { "code", "message", "details" } }`.',
      },
      servers: [{ url: serverUrl }],
      security: [{ token: [] }],
      components: {
        securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'A personal API token, `jc_` and 43 characters.' } },
      },
      paths: {
        '/api/v1/jobs': {
          get: operation({
            operationId: 'listJobs',
            summary: 'List jobs',
            description: `The jobs you may see, newest first, a page at a time (keyset cursors). A user sees their own jobs; admins and auditors every job, auditors cleared ones too. ${filterNote}`,
            requestParams: { query: listJobsQuerySchema },
            responses: {
              '200': { description: 'A page of jobs.', content: { 'application/json': { schema: jobsPageSchema } } },
              '400': errorResponse('A parameter is not valid (each one is named in `details`).'),
            },
          }),
          post: operation({
            operationId: 'launchJob',
            summary: 'Launch a job',
            description:
              'Launches a task with its arguments, checked by the task’s schema. With an `Idempotency-Key`, sending the same request again returns the job the first one made (200) instead of launching another; the same key with another task or other arguments answers 409.',
            requestParams: { header: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional().meta({ description: 'Any unique string, e.g. a UUID, kept with the job.' }) }) },
            requestBody: { required: true, content: { 'application/json': { schema: launchBodySchema(viewer) } } },
            responses: {
              '201': { ...job, description: 'Launched.', headers: z.object({ Location: z.string().meta({ description: 'The new job.' }) }) },
              '200': { ...job, description: 'The job an earlier request with this Idempotency-Key launched.', headers: z.object({ 'Idempotent-Replayed': z.literal('true') }) },
              '400': errorResponse('Unknown task, or invalid arguments or priority (each one in `details`).'),
              '403': errorResponse('You may not launch this task, or an admin turned it off.'),
              '409': errorResponse('The Idempotency-Key was used for another launch.'),
              '415': errorResponse('The body was not sent as JSON.'),
            },
          }),
        },
        '/api/v1/jobs/{id}': {
          get: operation({
            operationId: 'getJob',
            summary: 'A job',
            description: 'A job you may see, with its arguments, result and errors. Someone else’s job is not found, like a missing one.',
            requestParams: { path: jobIdParams },
            responses: { '200': job, '404': errorResponse('No such job, or not yours.') },
          }),
        },
        '/api/v1/jobs/{id}/cancel': {
          post: operation({
            operationId: 'cancelJob',
            summary: 'Cancel or stop a job',
            description: 'A waiting job leaves the queue; a running one is stopped. Users cancel their own jobs, admins any; auditors none.',
            requestParams: { path: jobIdParams },
            requestBody: { content: { 'application/json': { schema: cancelRequestSchema } } },
            responses: {
              '200': { description: 'What happened, and the job now.', content: { 'application/json': { schema: cancelResponseSchema } } },
              '400': errorResponse('The body is not valid.'),
              '403': errorResponse('Auditors change nothing.'),
              '404': errorResponse('No such job, or not yours.'),
              '409': errorResponse('The job has already ended.'),
              '415': errorResponse('The body was not sent as JSON.'),
            },
          }),
        },
        '/api/v1/jobs/{id}/retry': {
          post: operation({
            operationId: 'retryJob',
            summary: 'Retry a job',
            description: 'A failed or cancelled job runs again, as a new job with the same task and arguments.',
            requestParams: { path: jobIdParams },
            responses: {
              '201': { ...job, description: 'The new job.', headers: z.object({ Location: z.string() }) },
              '400': errorResponse('A body was sent; a retry takes none.'),
              '403': errorResponse('Auditors change nothing; or you may not launch this task, or an admin turned it off.'),
              '404': errorResponse('No such job, or not yours.'),
              '409': errorResponse('The job is neither failed nor cancelled.'),
            },
          }),
        },
        '/api/v1/jobs/{id}/log': {
          get: operation({
            operationId: 'getJobLog',
            summary: 'A job’s log',
            description: 'A page of log lines, oldest first: the latest ones, or those before or after a line id.',
            requestParams: { path: jobIdParams, query: logQuerySchema },
            responses: {
              '200': { description: 'A page of lines.', content: { 'application/json': { schema: logPageSchema } } },
              '400': errorResponse('A parameter is not valid.'),
              '404': errorResponse('No such job, or not yours.'),
            },
          }),
        },
        '/api/v1/jobs/export': {
          get: operation({
            operationId: 'exportJobs',
            summary: 'Export the history',
            description: `Every job you may see (cleared ones included), newest first, streamed as CSV or JSON lines. ${filterNote} Recorded on the audit trail.`,
            requestParams: {
              query: z.object({ format: z.enum(exportFormats).default('csv') }).catchall(z.string()).meta({ description: filterNote }),
            },
            responses: {
              '200': {
                description: 'The export, as a download.',
                content: { 'text/csv': { schema: z.string() }, 'application/x-ndjson': { schema: z.string() } },
              },
              '400': errorResponse('The format or a filter is not valid.'),
            },
          }),
        },
        '/api/v1/events': {
          get: operation({
            operationId: 'streamEvents',
            summary: 'Live events',
            description:
              'Server-Sent Events: one `job` event (JSON data: the job’s id, status, progress, step, message and times) each time a job you may see changes, with an id to resume from (`Last-Event-ID`).',
            requestParams: {
              header: z.object({ 'Last-Event-ID': z.string().regex(/^\d{1,15}$/).optional().meta({ description: 'Resume after this event.' }) }),
              query: z.object({ since: z.string().regex(/^\d{1,15}$/).optional().meta({ description: 'Resume after this event, on a first connection.' }) }),
            },
            responses: {
              '200': { description: 'The stream, until the client closes it.', content: { 'text/event-stream': { schema: z.string() } } },
              '400': errorResponse('Last-Event-ID or since is not a whole number.'),
            },
          }),
        },
      },
    },
    {
      // A task's secret argument (jobs/secrets.ts) is a password-like value that is never read back.
      override: ({ jsonSchema }) => {
        if ((jsonSchema as { secret?: unknown }).secret === true) {
          delete (jsonSchema as { secret?: unknown }).secret;
          Object.assign(jsonSchema, { format: 'password', writeOnly: true });
        }
      },
    },
  );
}
