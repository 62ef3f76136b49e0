import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { jobs, type JobStatus } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { jobFilterSchema, type JobFilter } from './filters';
import { listJobsForViewer } from './queries';
import { countJobsByTab, type TabCounts } from './tab-counts';
import { jobTabs } from './tabs';
import type { PersonViewer, Viewer } from './viewer';

setUpTestDatabase();

let user: PersonViewer;
let other: PersonViewer;
let admin: PersonViewer;
let auditor: PersonViewer;

/** `n` jobs at once; web jobs of `owner`, or CLI jobs when there is none. */
async function addJobs(owner: PersonViewer | null, status: JobStatus, n: number, extra: Partial<typeof jobs.$inferInsert> = {}) {
  const job = {
    task: status === 'failed' ? 'failing' : 'long-running',
    title: `A ${status} job`,
    status,
    ...(owner ? { origin: 'web' as const, ownerId: owner.id } : { origin: 'cli' as const, osUser: 'deploy' }),
    ...extra,
  };
  await getDb()
    .insert(jobs)
    .values(Array.from({ length: n }, () => job));
}

/** Counts written as `[all, active, failed]`, exact (not capped) unless a tab is listed in `capped`. */
const counts = ([all, active, failed]: [number, number, number], capped: (keyof TabCounts)[] = []): TabCounts => ({
  all: { count: all, capped: capped.includes('all') },
  active: { count: active, capped: capped.includes('active') },
  failed: { count: failed, capped: capped.includes('failed') },
});

const counted = (viewer: Viewer, filter: Partial<JobFilter> = {}, cap?: number) => countJobsByTab(viewer, jobFilterSchema.parse(filter), { cap });

beforeAll(async () => {
  user = await createTestUser('user');
  other = await createTestUser('user', 'other');
  admin = await createTestUser('admin');
  auditor = await createTestUser('auditor');
  // The user: 3 completed, 2 failed (one with an error to search for), 1 queued, 1 running, and a
  // failed job they cleared from their page.
  await addJobs(user, 'completed', 3);
  await addJobs(user, 'failed', 1);
  await addJobs(user, 'failed', 1, { error: 'A needle in the haystack' });
  await addJobs(user, 'queued', 1);
  await addJobs(user, 'running', 1);
  await addJobs(user, 'failed', 1, { clearedAt: new Date() });
  // Someone else: 2 completed, 1 failed. The command line: 1 queued, at high priority.
  await addJobs(other, 'completed', 2);
  await addJobs(other, 'failed', 1);
  await addJobs(null, 'queued', 1, { priority: 'high' });
});

describe('counts per tab', () => {
  it('count what each role’s page lists: a user their own listed jobs, an admin everyone’s, an auditor cleared ones too', async () => {
    expect(await counted(user)).toEqual(counts([7, 2, 2]));
    expect(await counted(other)).toEqual(counts([3, 0, 1]));
    expect(await counted(admin)).toEqual(counts([11, 3, 3]));
    expect(await counted(auditor)).toEqual(counts([12, 3, 4]));
  });

  it('agree with the rows the page itself lists on every tab', async () => {
    for (const viewer of [user, other, admin, auditor]) {
      const tabCounts = await counted(viewer);
      for (const tab of jobTabs) {
        const page = await listJobsForViewer(viewer, { tab, filter: jobFilterSchema.parse({ tab }), limit: 100 });
        expect({ role: viewer.role, tab, count: tabCounts[tab].count }).toEqual({ role: viewer.role, tab, count: page.jobs.length });
      }
    }
  });

  it('honour the filter and ignore its tab', async () => {
    expect(await counted(user, { tab: 'active', task: 'failing' })).toEqual(counts([2, 0, 2]));
    expect(await counted(admin, { q: 'NEEDLE' })).toEqual(counts([1, 0, 1]));
    expect(await counted(other, { q: 'needle' })).toEqual(counts([0, 0, 0]));
    expect(await counted(admin, { priority: 'high', origin: 'cli' })).toEqual(counts([1, 1, 0]));
    expect(await counted(admin, { user: other.email })).toEqual(counts([3, 0, 1]));
  });

  it('stop at the cap: exactly the cap is exact, one more is "cap+"', async () => {
    expect(await counted(user, {}, 2)).toEqual(counts([2, 2, 2], ['all']));
    expect(await counted(admin, {}, 3)).toEqual(counts([3, 3, 3], ['all']));
    expect(await counted(admin, {}, 2)).toEqual(counts([2, 2, 2], ['all', 'active', 'failed']));
    expect(await counted(auditor, {}, 12)).toEqual(counts([12, 3, 4]));
    expect(await counted(auditor, {}, 11)).toEqual(counts([11, 3, 4], ['all']));
  });
});
