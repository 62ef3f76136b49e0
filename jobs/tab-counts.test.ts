import { sql } from 'drizzle-orm';
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
  all: { count: all, precision: capped.includes('all') ? 'at-least' : 'exact' },
  active: { count: active, precision: capped.includes('active') ? 'at-least' : 'exact' },
  failed: { count: failed, precision: capped.includes('failed') ? 'at-least' : 'exact' },
});

/** Counts with a budget no busy test machine exceeds (the estimates have their own test). */
const counted = (viewer: Viewer, filter: Partial<JobFilter> = {}, cap?: number, budgetMs = 10_000) =>
  countJobsByTab(viewer, jobFilterSchema.parse(filter), { cap, budgetMs });

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

  it('give estimates, marked as such, when counting exactly takes longer than its budget', async () => {
    // 40,000 completed CLI jobs at low priority: counting the low-priority ones, which no index
    // serves, reads them all, which takes far longer than a budget of one millisecond.
    await getDb().execute(sql`
      insert into jobs (task, title, status, priority, origin, os_user)
      select 'long-running', 'Filler ' || i, 'completed', 'low', 'cli', 'deploy' from generate_series(1, 40000) as i`);
    await getDb().execute(sql`analyze jobs`);
    const estimated = await counted(admin, { priority: 'low' }, undefined, 1);
    expect(Object.values(estimated).map((count) => count.precision)).toEqual(['estimate', 'estimate', 'estimate']);
    expect(estimated.all.count).toBeGreaterThan(20_000); // 40,000, as the planner sees it
    expect(estimated.all.count).toBeLessThan(80_000);
    // With time enough the same count is exact, and stops at the cap.
    expect(await counted(admin, { priority: 'low' })).toEqual({
      all: { count: 10_000, precision: 'at-least' },
      active: { count: 0, precision: 'exact' },
      failed: { count: 0, precision: 'exact' },
    });
    await getDb().execute(sql`delete from jobs where title like 'Filler %'`);
  });
});
