import { getDb } from '@/db/client';
import { retryJob } from '@/jobs/control';
import { getJobForViewer } from '@/jobs/queries';
import { apiError, apiHandler, apiSource, jsonResponse, otherMethods, readJsonBody, requireJobController } from '@/lib/api/respond';
import { toApiJobDetails } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';
export const { GET, PUT, PATCH, DELETE } = otherMethods('POST');

/**
 * `POST /api/v1/jobs/{id}/retry`: a failed or cancelled job runs again as a new job (201, the new
 * job). Other states answer 409; the permissions are the job page's.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return apiHandler(async () => {
    const { viewer, id } = await requireJobController(request, (await params).id);
    const body = await readJsonBody(request, { optional: true });
    if (Object.keys(body).length > 0) return apiError(400, 'bad_request', 'A retry takes no body.', Object.keys(body).map((field) => ({ field, message: 'Unknown field' })));
    const newId = await retryJob(getDb(), viewer, id, apiSource(request));
    const job = await getJobForViewer(viewer, newId);
    if (!job) return apiError(404, 'not_found', 'Job not found.');
    return jsonResponse({ data: toApiJobDetails(job) }, { status: 201, headers: { Location: `/api/v1/jobs/${newId}` } });
  }, 409);
}
