import { getJobForViewer, readJobLog } from '@/jobs/queries';
import { apiError, apiHandler, invalidInput, jobIdFrom, jsonResponse, otherMethods, requireTokenViewer } from '@/lib/api/respond';
import { logQuerySchema, toApiLogLine } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';
export const { POST, PUT, PATCH, DELETE } = otherMethods('GET');

/**
 * `GET /api/v1/jobs/{id}/log`: a page of a job's log, oldest line first: the latest lines, or
 * those `before` or `after` a line id (keyset), optionally warnings and errors only.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return apiHandler(async () => {
    const viewer = await requireTokenViewer(request);
    const id = jobIdFrom((await params).id);
    const query = logQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return invalidInput('The query is not valid.', query.error);
    // An empty log and someone else's job look the same to readJobLog: ask about the job first.
    if (!(await getJobForViewer(viewer, id))) return apiError(404, 'not_found', 'Job not found.');
    const { level, ...cursor } = query.data;
    const page = await readJobLog(viewer, id, { filter: level, ...cursor });
    return jsonResponse({ data: page.lines.map(toApiLogLine), page: { earlier: page.earlier, later: page.later } });
  });
}
