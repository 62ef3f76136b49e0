import { apiHandler, otherMethods, requireTokenViewer } from '@/lib/api/respond';
import { eventStreamResponse } from '@/lib/api/streams';

export const dynamic = 'force-dynamic';
export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');

/** `GET /api/v1/events`: the live event stream (Server-Sent Events) of the jobs the token's owner may see. */
export async function GET(request: Request): Promise<Response> {
  return apiHandler(async () => eventStreamResponse(request, await requireTokenViewer(request)));
}
