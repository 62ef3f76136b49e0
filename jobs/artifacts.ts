import 'server-only';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { jobArtifacts, jobs } from '@/db/schema';
import { visibleJobs } from './permissions';
import type { Viewer } from './viewer';

/**
 * Files jobs produce (`TaskContext.artifact`): what a task may store, and reading them back on
 * behalf of a viewer. They sit in Postgres, so any web process can serve them.
 */

/** Kept in a bytea column and sent in one response: larger output belongs somewhere else. */
export const MAX_ARTIFACT_BYTES = 50 * 1024 * 1024;

/** `type/subtype` in RFC 6838's characters, with an optional charset and nothing else. */
const mimeType = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(; *charset=[a-z0-9][a-z0-9_.:+-]*)?$/i;

const artifactInput = z.object({
  // The name becomes a download's file name: nothing that reads as a path or breaks a header.
  name: z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'at most 200 characters')
    .refine((name) => !/[/\\]/.test(name), 'must not contain / or \\')
    .refine((name) => !/\p{Cc}/u.test(name), 'must not contain control characters')
    .refine((name) => name !== '.' && name !== '..', 'must not be "." or ".."'),
  // Sent back as the Content-Type header, so only what a MIME type looks like.
  contentType: z
    .string()
    .max(100, 'at most 100 characters')
    .regex(mimeType, 'must be a MIME type such as text/csv or text/csv; charset=utf-8'),
  content: z
    .union([z.string(), z.instanceof(Uint8Array)], { error: 'must be a string or bytes' })
    // Measured before any copy, so an oversized string is refused without encoding it.
    .refine((content) => byteLength(content) <= MAX_ARTIFACT_BYTES, `at most ${MAX_ARTIFACT_BYTES / 1024 / 1024} MiB`),
});

function byteLength(content: string | Uint8Array): number {
  return typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.byteLength;
}

export interface ArtifactInput {
  name: string;
  contentType: string;
  content: Buffer;
  size: number;
}

/** Checks what a task wants to store; throws an Error that says what is wrong. */
export function parseArtifact(name: string, contentType: string, content: string | Uint8Array): ArtifactInput {
  const parsed = artifactInput.safeParse({ name, contentType, content });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'file'} ${issue.message}`);
    throw new Error(`Invalid artifact: ${problems.join('; ')}.`);
  }
  const { name: validName, contentType: validType, content: validContent } = parsed.data;
  // A copy: the write waits its turn behind the log lines, and the task may reuse its buffer meanwhile.
  const bytes = typeof validContent === 'string' ? Buffer.from(validContent, 'utf8') : Buffer.from(validContent);
  return { name: validName, contentType: validType, content: bytes, size: bytes.byteLength };
}

export interface ArtifactListItem {
  id: number;
  name: string;
  contentType: string;
  size: number;
  /** The attempt that wrote it (a later attempt writing the same name replaces it). */
  attempt: number;
  createdAt: Date;
}

/** The files of a job the viewer may see, by name; empty when the job is missing or someone else's. */
export async function listArtifactsForViewer(viewer: Viewer, jobId: number, db: DbOrTx = getDb()): Promise<ArtifactListItem[]> {
  return db
    .select({
      id: jobArtifacts.id,
      name: jobArtifacts.name,
      contentType: jobArtifacts.contentType,
      size: jobArtifacts.size,
      attempt: jobArtifacts.attempt,
      createdAt: jobArtifacts.createdAt,
    })
    .from(jobArtifacts)
    .innerJoin(jobs, eq(jobs.id, jobArtifacts.jobId))
    .where(and(eq(jobArtifacts.jobId, jobId), visibleJobs(viewer)))
    .orderBy(asc(jobArtifacts.name), asc(jobArtifacts.id));
}

export interface ArtifactDownload {
  name: string;
  contentType: string;
  size: number;
  content: Buffer;
}

/** One file of a job the viewer may see, with its bytes; null when missing or someone else's. */
export async function getArtifactForViewer(viewer: Viewer, jobId: number, artifactId: number, db: DbOrTx = getDb()): Promise<ArtifactDownload | null> {
  const [row] = await db
    .select({ name: jobArtifacts.name, contentType: jobArtifacts.contentType, size: jobArtifacts.size, content: jobArtifacts.content })
    .from(jobArtifacts)
    .innerJoin(jobs, eq(jobs.id, jobArtifacts.jobId))
    .where(and(eq(jobArtifacts.id, artifactId), eq(jobArtifacts.jobId, jobId), visibleJobs(viewer)));
  return row ?? null;
}
