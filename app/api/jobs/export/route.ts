import { z } from 'zod';
import { getDb } from '@/db/client';
import { recordAudit } from '@/jobs/audit';
import { exportFormats, exportStream } from '@/jobs/export';
import { filterSlug, parseJobFilter } from '@/jobs/filters';
import { requireDatabaseUrl } from '@/lib/env';
import { addressOf } from '@/lib/request-address';
import { getViewer } from '@/lib/session';

export const dynamic = 'force-dynamic';

const contentTypes = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' } as const;

/**
 * `GET /api/jobs/export?format=csv|jsonl` plus the jobs page's filter: the history the viewer may
 * see, streamed. Changes nothing but the audit trail, which records who exported what when the
 * download starts, and how many rows when it ends.
 */
export async function GET(request: Request): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer) return Response.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, { status: 401 });
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const { format: rawFormat = 'csv', ...rest } = params;
  const format = z.enum(exportFormats).safeParse(rawFormat);
  if (!format.success) {
    return Response.json({ error: { code: 'bad_request', message: `format must be one of ${exportFormats.join(', ')}.` } }, { status: 400 });
  }
  const filter = parseJobFilter(rest, false);
  if (!filter.success) {
    const details = filter.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    return Response.json({ error: { code: 'bad_request', message: 'The filter is not valid.', details } }, { status: 400 });
  }
  const address = addressOf(request.headers);
  const audited = { viewer, source: { origin: 'web' as const, address }, filter: { ...filter.data } };
  // Recorded before the first row leaves, so that an export cut short by a dying process is on the
  // trail too; the row count follows when the download ends.
  await recordAudit(getDb(), { ...audited, action: 'jobs.export_started', details: { format: format.data } });
  const stream = exportStream({
    databaseUrl: requireDatabaseUrl(),
    viewer,
    filter: filter.data,
    format: format.data,
    async onDone(rows, complete) {
      await recordAudit(getDb(), { ...audited, action: 'jobs.export', jobCount: rows, details: { format: format.data, complete } }).catch(() => {});
    },
  });
  const day = new Date().toISOString().slice(0, 10);
  const name = `jobs-${filterSlug(filter.data)}-${day}.${format.data}`;
  return new Response(stream, {
    headers: {
      'Content-Type': contentTypes[format.data],
      'Content-Disposition': `attachment; filename="${name}"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
    },
  });
}
