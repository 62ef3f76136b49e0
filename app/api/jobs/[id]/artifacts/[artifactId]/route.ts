import { z } from 'zod';
import { getArtifactForViewer } from '@/jobs/artifacts';
import { getViewer } from '@/lib/session';

export const dynamic = 'force-dynamic';

/** Ids are positive integers; anything else is a file that does not exist. */
const id = z.string().regex(/^[1-9]\d{0,14}$/).transform(Number);

const notFound = () => Response.json({ error: { code: 'not_found', message: 'No such file.' } }, { status: 404 });

/**
 * Downloads one file of a job the signed-in viewer may see; someone else's job's file is a 404 like
 * a missing one. Always as an attachment, sandboxed and never sniffed: the bytes are a task's
 * output, and must not run as a page of the console.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string; artifactId: string }> }): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer) return Response.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, { status: 401 });
  const raw = await params;
  const jobId = id.safeParse(raw.id);
  const artifactId = id.safeParse(raw.artifactId);
  if (!jobId.success || !artifactId.success) return notFound();
  const file = await getArtifactForViewer(viewer, jobId.data, artifactId.data);
  if (!file) return notFound();
  return new Response(new Uint8Array(file.content), {
    headers: {
      'Content-Type': file.contentType,
      'Content-Length': String(file.content.byteLength),
      'Content-Disposition': contentDisposition(file.name),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'Cache-Control': 'private, no-store',
    },
  });
}

/**
 * `attachment` with the name twice (RFC 6266): an ASCII `filename` for old clients, in which
 * anything that could end the quoted string or be decoded as an escape becomes `_`, and the exact
 * name as UTF-8 in `filename*` (RFC 5987, which also reserves ' ( ) *).
 */
function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
