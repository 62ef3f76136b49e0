import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/db/client';
import { jobArtifacts } from '@/db/schema';
import { findTask } from '@/jobs/catalogue';
import { enqueueJobs } from '@/jobs/enqueue';
import type { PersonViewer } from '@/jobs/viewer';
import { getViewer } from '@/lib/session';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { GET } from './route';

// The session needs a Next request; the viewer is what this handler takes from it.
vi.mock('@/lib/session', () => ({ getViewer: vi.fn() }));

setUpTestDatabase();

let owner: PersonViewer;
let other: PersonViewer;
let jobId: number;
let artifactId: number;
const content = Buffer.from('task,jobs\nfailing,1\n', 'utf8');

beforeAll(async () => {
  [owner, other] = await Promise.all([createTestUser('user', 'owner'), createTestUser('user', 'other')]);
  [jobId] = (await enqueueJobs(getDb(), [{ task: findTask('long-running')!, payload: { durationSeconds: 1, steps: 1 }, origin: 'web', ownerId: owner.id }])) as [number];
  const [row] = await getDb()
    .insert(jobArtifacts)
    .values({ jobId, attempt: 1, name: 'rapport é "1".csv', contentType: 'text/csv; charset=utf-8', size: content.byteLength, content })
    .returning({ id: jobArtifacts.id });
  artifactId = row!.id;
});

afterEach(() => {
  vi.mocked(getViewer).mockReset();
});

function download(viewer: PersonViewer | null, id: string | number, fileId: string | number): Promise<Response> {
  vi.mocked(getViewer).mockResolvedValue(viewer);
  return GET(new Request(`http://localhost/api/jobs/${id}/artifacts/${fileId}`), { params: Promise.resolve({ id: String(id), artifactId: String(fileId) }) });
}

describe('GET /api/jobs/[id]/artifacts/[artifactId]', () => {
  it("sends the owner's file as a sandboxed attachment", async () => {
    const response = await download(owner, jobId, artifactId);
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(content.byteLength),
      'content-disposition': `attachment; filename="rapport _ _1_.csv"; filename*=UTF-8''rapport%20%C3%A9%20%221%22.csv`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
      'cache-control': 'private, no-store',
    });
    expect(Buffer.from(await response.arrayBuffer())).toEqual(content);
  });

  it('answers 401 without a viewer', async () => {
    const response = await download(null, jobId, artifactId);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: 'Sign in first.' } });
  });

  it.each<[string, () => Parameters<typeof download>]>([
    ['another user', () => [other, jobId, artifactId]],
    ['another job', () => [owner, jobId + 1, artifactId]],
    ['a missing file', () => [owner, jobId, artifactId + 1]],
    ['a malformed job id', () => [owner, `0${jobId}`, artifactId]],
    ['a malformed file id', () => [owner, jobId, `${artifactId}.csv`]],
    ['a file id too long', () => [owner, jobId, '1'.repeat(16)]],
  ])('answers 404 for %s', async (_case, args) => {
    const response = await download(...args());
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No such file.' } });
  });
});
