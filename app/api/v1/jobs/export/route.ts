import { apiHandler, otherMethods, requireTokenViewer } from '@/lib/api/respond';
import { exportResponse } from '@/lib/api/streams';

export const dynamic = 'force-dynamic';
export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');

/** `GET /api/v1/jobs/export?format=csv|jsonl` plus the jobs page's filter: the history the token's owner may see. */
export async function GET(request: Request): Promise<Response> {
  return apiHandler(async () => exportResponse(request, await requireTokenViewer(request), 'api'));
}
