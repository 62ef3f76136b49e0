import { getDb, getSqlClient } from '@/db/client';
import { recordAudit } from '@/jobs/audit';
import { auditExportStream, auditFilterSchema, canReadAudit } from '@/jobs/audit-log';
import { addressOf } from '@/lib/request-address';
import { getViewer } from '@/lib/session';

export const dynamic = 'force-dynamic';

/** `GET /api/audit/export` plus the audit page's filter: the trail as CSV, for admins and auditors. */
export async function GET(request: Request): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer) return Response.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, { status: 401 });
  if (!canReadAudit(viewer)) return Response.json({ error: { code: 'forbidden', message: 'Only administrators and auditors read the audit trail.' } }, { status: 403 });
  const filter = auditFilterSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!filter.success) {
    const details = filter.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    return Response.json({ error: { code: 'bad_request', message: 'The filter is not valid.', details } }, { status: 400 });
  }
  const address = addressOf(request.headers);
  // As the jobs export: on the trail before the first row leaves, with the count once it ends.
  await recordAudit(getDb(), { viewer, action: 'audit.export_started', source: { origin: 'web', address }, filter: { ...filter.data } });
  const stream = auditExportStream({
    client: getSqlClient(),
    viewer,
    filter: filter.data,
    async onDone(rows) {
      await recordAudit(getDb(), { viewer, action: 'audit.export', source: { origin: 'web', address }, filter: { ...filter.data }, details: { rows } }).catch(() => {});
    },
  });
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
    },
  });
}
