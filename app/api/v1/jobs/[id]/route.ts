import { getJobForViewer } from '@/jobs/queries';
import { apiError, apiHandler, jobIdFrom, jsonResponse, otherMethods, requireTokenViewer } from '@/lib/api/respond';
import { toApiJobDetails } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';
export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');

/** `GET /api/v1/jobs/{id}`: one job the token's owner may see; someone else's is not found. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return apiHandler(async () => {
    const viewer = await requireTokenViewer(request);
    const job = await getJobForViewer(viewer, jobIdFrom((await params).id));
    if (!job) return apiError(404, 'not_found', 'Job not found.');
    return jsonResponse({ data: toApiJobDetails(job) });
  });
}
