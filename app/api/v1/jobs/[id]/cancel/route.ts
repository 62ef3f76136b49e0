import { getDb } from '@/db/client';
import { cancelJob, controlOutcomeMessages } from '@/jobs/control';
import { getJobForViewer } from '@/jobs/queries';
import { apiError, apiHandler, apiSource, invalidInput, jsonResponse, otherMethods, readJsonBody, requireJobController } from '@/lib/api/respond';
import { cancelRequestSchema, toApiJobDetails } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';
export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');

/**
 * `POST /api/v1/jobs/{id}/cancel`: a waiting job leaves the queue and ends cancelled; a running one
 * is stopped (`mode`: graceful or force). As on the job's page: a user their own jobs, an admin any,
 * an auditor none (403); a job that has ended answers 409.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return apiHandler(async () => {
    const { viewer, id } = await requireJobController(request, (await params).id);
    const body = cancelRequestSchema.safeParse(await readJsonBody(request, { optional: true }));
    if (!body.success) return invalidInput('The cancel request is not valid.', body.error);
    const outcome = await cancelJob(getDb(), viewer, id, apiSource(request), body.data.mode);
    const job = await getJobForViewer(viewer, id);
    if (!job) return apiError(404, 'not_found', 'Job not found.');
    return jsonResponse({ outcome, message: controlOutcomeMessages[outcome], data: toApiJobDetails(job) });
  }, 409);
}
