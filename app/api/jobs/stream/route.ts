import { z } from 'zod';
import { getDb } from '@/db/client';
import { requireDatabaseUrl } from '@/lib/env';
import { getEventHub } from '@/lib/live/hub';
import { openEventStream } from '@/lib/live/stream';
import { getViewer } from '@/lib/session';

export const dynamic = 'force-dynamic';

const eventId = z.string().regex(/^\d{1,15}$/, 'must be a whole number').transform(Number);

/**
 * The live event stream (Server-Sent Events) of the jobs the signed-in viewer may see. Resumes
 * after `Last-Event-ID` (sent by the browser when it reconnects) or, on a page's first connection,
 * after `?since=`, the event id the page was rendered at.
 */
export async function GET(request: Request): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer) return Response.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, { status: 401 });

  const header = request.headers.get('last-event-id');
  const since = new URL(request.url).searchParams.get('since');
  const raw = header !== null && header !== '' ? header : since;
  let lastEventId: number | undefined;
  if (raw !== null) {
    const parsed = eventId.safeParse(raw);
    if (!parsed.success) {
      const message = `${header ? 'Last-Event-ID' : 'since'} must be a whole number.`;
      return Response.json({ error: { code: 'bad_request', message } }, { status: 400 });
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
