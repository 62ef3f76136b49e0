import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { jobs } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { listJobsForViewer } from './queries';
import type { PersonViewer } from './viewer';

setUpTestDatabase();

describe('jobs page pagination (keyset, newest first, 50 a page)', () => {
  let user: PersonViewer;
  let ids: number[] = [];

  beforeAll(async () => {
    user = await createTestUser('user');
    const rows = Array.from({ length: 120 }, (_, index) => ({
      task: 'long-running',
      title: `Job ${index + 1}`,
      status: 'completed' as const,
      origin: 'web' as const,
      ownerId: user.id,
    }));
    const inserted = await getDb().insert(jobs).values(rows).returning({ id: jobs.id });
    ids = inserted.map((row) => row.id).sort((a, b) => b - a); // newest first
  });

  it('walks older and back newer through 50 + 50 + 20 jobs', async () => {
    const first = await listJobsForViewer(user, { tab: 'all' });
    expect({ ids: first.jobs.map((job) => job.id), newer: first.newer, older: first.older }).toEqual({ ids: ids.slice(0, 50), newer: null, older: ids[49] });

    const second = await listJobsForViewer(user, { tab: 'all', after: first.older! });
    expect({ ids: second.jobs.map((job) => job.id), newer: second.newer, older: second.older }).toEqual({ ids: ids.slice(50, 100), newer: ids[50], older: ids[99] });

    const third = await listJobsForViewer(user, { tab: 'all', after: second.older! });
    expect({ ids: third.jobs.map((job) => job.id), newer: third.newer, older: third.older }).toEqual({ ids: ids.slice(100), newer: ids[100], older: null });

    const backToSecond = await listJobsForViewer(user, { tab: 'all', before: third.newer! });
    expect({ ids: backToSecond.jobs.map((job) => job.id), newer: backToSecond.newer, older: backToSecond.older }).toEqual({ ids: ids.slice(50, 100), newer: ids[50], older: ids[99] });

    const backToFirst = await listJobsForViewer(user, { tab: 'all', before: backToSecond.newer! });
    expect({ ids: backToFirst.jobs.map((job) => job.id), newer: backToFirst.newer, older: backToFirst.older }).toEqual({ ids: ids.slice(0, 50), newer: null, older: ids[49] });
  });

  it('returns explicit columns with who started the job', async () => {
    const page = await listJobsForViewer(user, { tab: 'all', limit: 1 });
    expect(Object.keys(page.jobs[0]!).sort()).toEqual(
      ['clearedAt', 'createdAt', 'eventId', 'finishedAt', 'id', 'message', 'origin', 'progress', 'queue', 'queuePaused', 'relatedUrl', 'startedAt', 'startedBy', 'status', 'step', 'stuck', 'task', 'title'].sort(),
    );
    expect(page.jobs[0]!.startedBy).toBe(user.email);
  });
});

describe('stuck jobs', () => {
  it('flags a running job silent for longer than STUCK_AFTER_MINUTES (10), and nothing else', async () => {
    const user = await createTestUser('user');
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const make = (title: string, status: 'running' | 'completed', updatedAt: Date, heartbeatAt: Date | null) => ({
      task: 'long-running',
      title,
      status,
      origin: 'web' as const,
      ownerId: user.id,
      updatedAt,
      heartbeatAt,
    });
    await getDb()
      .insert(jobs)
      .values([
        make('silent task', 'running', minutesAgo(11), minutesAgo(0)),
        make('dead worker', 'running', minutesAgo(1), minutesAgo(11)),
        make('busy', 'running', minutesAgo(1), minutesAgo(0)),
        make('just started', 'running', minutesAgo(0), null),
        make('finished long ago', 'completed', minutesAgo(60), minutesAgo(60)),
      ]);
    const page = await listJobsForViewer(user, { tab: 'all' });
    expect(Object.fromEntries(page.jobs.map((job) => [job.title, job.stuck]))).toEqual({
      'silent task': true,
      'dead worker': true,
      busy: false,
      'just started': false,
      'finished long ago': false,
    });
  });
});
