import { apiError } from '@/lib/api/respond';
import { exportResponse } from '@/lib/api/streams';
import { getViewer } from '@/lib/session';

export const dynamic = 'force-dynamic';

/**
 * `GET /api/jobs/export?format=csv|jsonl` plus the jobs page's filter, for the signed-in browser:
 * the history the viewer may see, streamed (lib/api/streams.ts).
 */
export async function GET(request: Request): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer) return apiError(401, 'unauthorized', 'Sign in first.');
  return exportResponse(request, viewer, 'web');
}
