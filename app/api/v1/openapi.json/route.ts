import { apiHandler, otherMethods, requireTokenViewer } from '@/lib/api/respond';
import { openApiDocument } from '@/lib/api/openapi';
import { getViewer } from '@/lib/session';

export const dynamic = 'force-dynamic';
export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');

/**
 * `GET /api/v1/openapi.json`: the API's OpenAPI document, for a token or a signed-in browser (the
 * API docs page reads it too). It lists the tasks the reader may launch, so it is not public.
 */
export async function GET(request: Request): Promise<Response> {
  return apiHandler(async () => {
    const viewer = request.headers.has('authorization') ? await requireTokenViewer(request) : ((await getViewer()) ?? (await requireTokenViewer(request)));
    const document = openApiDocument(viewer, new URL(request.url).origin);
    return Response.json(document, { headers: { 'Cache-Control': 'private, no-store' } });
  });
}
