import { apiError } from '@/lib/api/respond';
import { eventStreamResponse } from '@/lib/api/streams';
import { getViewer } from '@/lib/session';

export const dynamic = 'force-dynamic';

/** The live event stream of the jobs the signed-in viewer may see (lib/api/streams.ts). */
export async function GET(request: Request): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer) return apiError(401, 'unauthorized', 'Sign in first.');
  return eventStreamResponse(request, viewer);
}
