import 'server-only';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { recordAudit } from '@/jobs/audit';
import { exportFormats, exportStream } from '@/jobs/export';
import { filterSlug, parseJobFilter } from '@/jobs/filters';
import type { Viewer } from '@/jobs/viewer';
import { requireDatabaseUrl } from '@/lib/env';
import { getEventHub } from '@/lib/live/hub';
import { openEventStream } from '@/lib/live/stream';
import { addressOf } from '@/lib/request-address';
import { apiError } from './respond';

/**
 * The two streamed answers the console gives both to the signed-in browser (/api/jobs/...) and to
 * API tokens (/api/v1/...): the history export and the live event stream. Who asks is settled by
 * the caller; what they get follows the viewer's permissions alone.
 */

const contentTypes = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' } as const;

/**
 * The history the viewer may see, as CSV or JSON lines (`?format=`), filtered as the jobs page is
 * (a bad filter is refused with 400). Changes nothing but the audit trail, which records who
 * exported what when the download starts, and how many rows when it ends.
 */
export async function exportResponse(request: Request, viewer: Viewer, origin: 'web' | 'api'): Promise<Response> {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const { format: rawFormat = 'csv', ...rest } = params;
  const format = z.enum(exportFormats).safeParse(rawFormat);
  if (!format.success) return apiError(400, 'bad_request', `format must be one of ${exportFormats.join(', ')}.`);
  const filter = parseJobFilter(rest, false);
  if (!filter.success) {
    const details = filter.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    return apiError(400, 'bad_request', 'The filter is not valid.', details);
  }
  const audited = { viewer, source: { origin, address: addressOf(request.headers) }, filter: { ...filter.data } };
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

const eventId = z.string().regex(/^\d{1,15}$/, 'must be a whole number').transform(Number);

/**
 * The live event stream (Server-Sent Events) of the jobs the viewer may see. Resumes after
 * `Last-Event-ID` (sent by a client when it reconnects) or, on a first connection, after `?since=`
 * (for a page: the event id it was rendered at).
 */
export function eventStreamResponse(request: Request, viewer: Viewer): Response {
  const header = request.headers.get('last-event-id');
  const since = new URL(request.url).searchParams.get('since');
  const raw = header !== null && header !== '' ? header : since;
  let lastEventId: number | undefined;
  if (raw !== null) {
    const parsed = eventId.safeParse(raw);
    if (!parsed.success) {
      return apiError(400, 'bad_request', `${header ? 'Last-Event-ID' : 'since'} must be a whole number.`);
    }
    lastEventId = parsed.data;
  }
  const stream = openEventStream({ hub: getEventHub(requireDatabaseUrl()), db: getDb(), viewer, lastEventId, signal: request.signal });
  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: compression would hold events back until a buffer fills.
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    },
  });
}
