import { apiError } from '@/lib/api/respond';

export const dynamic = 'force-dynamic';

/** Any other address under /api/v1 answers a JSON 404, whatever the method, rather than a page. */
function notFound(request: Request): Response {
  return apiError(404, 'not_found', `There is no ${new URL(request.url).pathname} in the API; see /api/v1/openapi.json.`);
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
