import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { jobs } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { filterProblems, filterSlug, jobFilterSchema, parseJobFilter, type JobFilter } from './filters';
import { listJobsForViewer } from './queries';
import type { PersonViewer } from './viewer';

setUpTestDatabase();

type Role = 'userA' | 'userB' | 'admin' | 'auditor';
type JobKey = 'aReport' | 'aFailed' | 'aImport' | 'aLookalike' | 'aCleared' | 'bReport' | 'bFailed' | 'bPercent' | 'bNoPercent' | 'cli';

/** A job to insert; web and completed unless it says otherwise. */
type JobRow = Omit<typeof jobs.$inferInsert, 'origin'> & Partial<Pick<typeof jobs.$inferInsert, 'origin'>>;

const viewers = {} as Record<Role, PersonViewer>;
const ids = {} as Record<JobKey, number>;

/** Who owns each job; `cli` has no owner. */
const ownerOf: Record<JobKey, 'a' | 'b' | null> = {
  aReport: 'a',
  aFailed: 'a',
  aImport: 'a',
  aLookalike: 'a',
  aCleared: 'a',
  bReport: 'b',
  bFailed: 'b',
  bPercent: 'b',
  bNoPercent: 'b',
  cli: null,
};

/** What each role's jobs page may list, written out rather than derived from the permission rules. */
const mayList: Record<Role, (key: JobKey) => boolean> = {
  userA: (key) => ownerOf[key] === 'a' && key !== 'aCleared',
  userB: (key) => ownerOf[key] === 'b',
  admin: (key) => key !== 'aCleared',
  auditor: () => true,
};

beforeAll(async () => {
  viewers.userA = await createTestUser('user', 'a');
  viewers.userB = await createTestUser('user', 'b');
  viewers.admin = await createTestUser('admin');
  viewers.auditor = await createTestUser('auditor');
  const a = viewers.userA.id;
  const b = viewers.userB.id;
  const rows: Record<JobKey, JobRow> = {
    aReport: { ownerId: a, task: 'long-running', title: 'Nightly REPORT for Acme', payload: { durationSeconds: 5 }, createdAt: new Date('2026-11-01T00:00:00Z') },
    aFailed: { ownerId: a, task: 'failing', status: 'failed', priority: 'high', queue: 'reports', title: 'Failing job', payload: { message: 'boom' }, createdAt: new Date('2026-11-10T23:59:59Z') },
    aImport: { ownerId: a, task: 'csv-import-check', status: 'running', priority: 'critical', queue: 'imports', title: 'Import customers', payload: { csv: 'city\nZanzibar', file: 'report_2026.csv' }, createdAt: new Date('2026-11-20T12:00:00Z') },
    aLookalike: { ownerId: a, task: 'csv-import-check', priority: 'low', queue: 'imports', title: 'Import suppliers', payload: { file: 'reportX2026.csv' }, createdAt: new Date('2026-11-21T00:00:00Z') },
    aCleared: { ownerId: a, task: 'long-running', title: 'Nightly report, cleared', clearedAt: new Date(), createdAt: new Date('2026-11-05T00:00:00Z') },
    bReport: { ownerId: b, task: 'long-running', priority: 'high', queue: 'reports', title: 'nightly report for Beta', payload: { durationSeconds: 1 }, createdAt: new Date('2026-11-11T00:00:00Z') },
    bFailed: { ownerId: b, task: 'failing', status: 'failed', priority: 'low', title: 'Failing job', error: 'disk quota exceeded', payload: { message: 'bang' }, createdAt: new Date('2026-11-15T00:00:00Z') },
    bPercent: { ownerId: b, task: 'long-running', status: 'queued', title: 'Progress 100% done', createdAt: new Date('2026-11-16T00:00:00Z') },
    bNoPercent: { ownerId: b, task: 'long-running', status: 'queued', title: 'Progress 1000 done', createdAt: new Date('2026-11-16T00:00:00Z') },
    cli: { origin: 'cli', osUser: 'deploy-bot', task: 'long-running', priority: 'low', queue: 'maintenance', title: 'CLI maintenance', payload: { note: 'Zanzibar' }, createdAt: new Date('2026-11-12T00:00:00Z') },
  };
  for (const [key, row] of Object.entries(rows) as [JobKey, JobRow][]) {
    const [inserted] = await getDb()
      .insert(jobs)
      .values({ origin: 'web', status: 'completed', ...row })
      .returning({ id: jobs.id });
    ids[key] = inserted!.id;
  }
  // As a real failure does: the error arrives by an update, after the job was created.
  await getDb().update(jobs).set({ error: 'Disk QUOTA exceeded on /var' }).where(eq(jobs.id, ids.aFailed));
});

/** The ids the role's jobs page lists with this filter, ascending. */
async function listed(role: Role, filter: Partial<JobFilter>): Promise<number[]> {
  const parsed = jobFilterSchema.parse(filter);
  const page = await listJobsForViewer(viewers[role], { tab: parsed.tab, filter: parsed, limit: 100 });
  return page.jobs.map((job) => job.id).sort((x, y) => x - y);
}

/** The ids of the matching jobs that the role may see, ascending. */
const expected = (role: Role, matching: JobKey[]) =>
  matching
    .filter(mayList[role])
    .map((key) => ids[key])
    .sort((x, y) => x - y);

/** Each filter and the jobs it matches, whoever looks (a function: B's email exists only once the accounts do). */
const cases = (): { name: string; filter: Partial<JobFilter>; matching: JobKey[] }[] => [
  { name: 'task', filter: { task: 'failing' }, matching: ['aFailed', 'bFailed'] },
  { name: 'status', filter: { status: 'completed' }, matching: ['aReport', 'aLookalike', 'aCleared', 'bReport', 'cli'] },
  { name: 'origin', filter: { origin: 'cli' }, matching: ['cli'] },
  { name: 'queue, exactly', filter: { queue: 'reports' }, matching: ['aFailed', 'bReport'] },
  { name: 'queue, no partial match', filter: { queue: 'report' }, matching: [] },
  { name: 'priority high', filter: { priority: 'high' }, matching: ['aFailed', 'bReport'] },
  { name: 'priority low', filter: { priority: 'low' }, matching: ['aLookalike', 'bFailed', 'cli'] },
  { name: 'user, B’s email', filter: { user: viewers.userB.email }, matching: ['bReport', 'bFailed', 'bPercent', 'bNoPercent'] },
  { name: 'user, the CLI’s OS user, any case', filter: { user: 'DEPLOY' }, matching: ['cli'] },
  { name: 'date range, both ends included', filter: { from: '2026-11-10', to: '2026-11-11' }, matching: ['aFailed', 'bReport'] },
  { name: 'date from', filter: { from: '2026-11-16' }, matching: ['aImport', 'aLookalike', 'bPercent', 'bNoPercent'] },
  { name: 'date to', filter: { to: '2026-11-05' }, matching: ['aReport', 'aCleared'] },
  { name: 'words in the title, any case', filter: { q: 'NIGHTLY report' }, matching: ['aReport', 'aCleared', 'bReport'] },
  { name: 'words in the arguments', filter: { q: 'zanzibar' }, matching: ['aImport', 'cli'] },
  { name: 'words in the error, set after creation', filter: { q: 'quota' }, matching: ['aFailed', 'bFailed'] },
  { name: 'words with % taken literally', filter: { q: '100%' }, matching: ['bPercent'] },
  { name: 'words with _ taken literally', filter: { q: 'report_2026' }, matching: ['aImport'] },
  { name: 'words and a tab together', filter: { tab: 'failed', q: 'QUOTA' }, matching: ['aFailed', 'bFailed'] },
  { name: 'queue, priority and tab together', filter: { tab: 'failed', queue: 'reports', priority: 'high' }, matching: ['aFailed'] },
];

describe('the jobs page’s filters', () => {
  for (const role of ['userA', 'userB', 'admin', 'auditor'] as const) {
    it(`give ${role} exactly the matching jobs it may see, for every filter`, async () => {
      for (const { name, filter, matching } of cases()) {
        expect({ name, ids: await listed(role, filter) }).toEqual({ name, ids: expected(role, matching) });
      }
    });
  }

  it('never show user A another user’s jobs, whatever the filter asks for', async () => {
    expect(await listed('userA', { user: viewers.userB.email })).toEqual([]);
    expect(await listed('userA', { q: 'Beta' })).toEqual([]);
    expect(await listed('userA', { q: 'bang' })).toEqual([]);
  });
});

describe('the filter schema', () => {
  it('refuses words of fewer than 3 characters, after trimming, and says so', () => {
    for (const q of ['ab', ' ab ', 'é1']) {
      const parsed = jobFilterSchema.safeParse({ q });
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues).toEqual([expect.objectContaining({ path: ['q'], message: 'At least 3 characters' })]);
    }
    expect(jobFilterSchema.parse({ q: 'abc' }).q).toBe('abc');
    expect(jobFilterSchema.parse({ q: '  ' }).q).toBeUndefined();
  });

  it('reads queue and priority, and refuses an unknown priority', () => {
    expect(jobFilterSchema.parse({ queue: ' reports ', priority: 'high' })).toMatchObject({ queue: 'reports', priority: 'high' });
    expect(jobFilterSchema.parse({ priority: '' }).priority).toBeUndefined();
    expect(jobFilterSchema.safeParse({ priority: 'urgent' }).success).toBe(false);
    expect(jobFilterSchema.safeParse({ queue: 'q'.repeat(101) }).success).toBe(false);
  });

  it('drops short words on the page, and tells the form what was refused and why', () => {
    const params = { tab: 'failed', q: 'ab', task: 'failing' };
    expect(parseJobFilter(params).data).toEqual({ tab: 'failed', task: 'failing' });
    expect(parseJobFilter(params, false).success).toBe(false);
    expect(filterProblems(params)).toEqual({ q: { message: 'At least 3 characters', value: 'ab' } });
    expect(filterProblems({ q: 'abc' })).toEqual({});
  });

  it('names queue and priority in export file names', () => {
    expect(filterSlug(jobFilterSchema.parse({ tab: 'failed', queue: 'reports', priority: 'high' }))).toBe('failed-queue-reports-priority-high');
  });
});
