import { findTask } from '@/jobs/catalogue';
import { launchJobIdempotently, launchJob } from '@/jobs/launch';
import { getJobForViewer, listJobsForViewer } from '@/jobs/queries';
import { apiError, apiHandler, apiSource, invalidInput, jsonResponse, otherMethods, readJsonBody, requireTokenViewer } from '@/lib/api/respond';
import { idempotencyKeySchema, jobsPageSchema, launchRequestSchema, listJobsQuerySchema, toApiJob, toApiJobDetails } from '@/lib/api/schemas';
import type { z } from 'zod';

export const dynamic = 'force-dynamic';
export const { PUT, PATCH, DELETE } = otherMethods('GET', 'POST');

/** `GET /api/v1/jobs`: the token owner's jobs page as JSON, newest first, a page at a time by keyset. */
export async function GET(request: Request): Promise<Response> {
  return apiHandler(async () => {
    const viewer = await requireTokenViewer(request);
    const query = listJobsQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return invalidInput('The query is not valid.', query.error);
    const { tab, after, before, limit, ...filter } = query.data;
    const page = await listJobsForViewer(viewer, { tab, filter: { ...filter, tab }, after, before, limit });
    const body: z.input<typeof jobsPageSchema> = { data: page.jobs.map(toApiJob), page: { newer: page.newer, older: page.older } };
    return jsonResponse(body);
  });
}

/**
 * `POST /api/v1/jobs`: launches a task, its arguments checked by the task's schema, origin `api`.
 * With an `Idempotency-Key`, a retried request answers the first job (200, `Idempotent-Replayed:
 * true`) instead of launching another.
 */
export async function POST(request: Request): Promise<Response> {
  return apiHandler(async () => {
    const viewer = await requireTokenViewer(request);
    const rawKey = request.headers.get('idempotency-key');
    const key = rawKey === null ? undefined : idempotencyKeySchema.safeParse(rawKey);
    if (key && !key.success) return invalidInput('The Idempotency-Key header is not valid.', key.error, 'Idempotency-Key');
    const body = launchRequestSchema.safeParse(await readJsonBody(request));
    if (!body.success) return invalidInput('The launch request is not valid.', body.error);
    const task = findTask(body.data.task);
    if (!task || task.hidden) return apiError(400, 'bad_request', `There is no task called "${body.data.task}".`, [{ field: 'task', message: 'Unknown task' }]);
    const source = apiSource(request);
    const options = { priority: body.data.priority };
    const { id, replayed } = key?.success
      ? await launchJobIdempotently(viewer, task.name, body.data.arguments ?? {}, source, { ...options, idempotencyKey: key.data })
      : { id: await launchJob(viewer, task.name, body.data.arguments ?? {}, source, options), replayed: false };
    const job = await getJobForViewer(viewer, id);
    if (!job) return apiError(404, 'not_found', 'Job not found.');
    return jsonResponse(
      { data: toApiJobDetails(job) },
      { status: replayed ? 200 : 201, headers: { Location: `/api/v1/jobs/${id}`, ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}) } },
    );
  });
}
