import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, jobs, type JobStatus } from '@/db/schema';
import { createTestUser } from '@/test/fixtures';
import { setUpTestDatabase } from '@/test/database';
import { findTask } from './catalogue';
import { enqueueJobs } from './enqueue';
import { ForbiddenError, ValidationError } from './errors';
import { canSeeJob } from './permissions';
import { launchJob } from './launch';
import { clearInactiveJobs, getJobForViewer, listJobsForViewer, type JobsTab } from './queries';
import type { CliViewer, PersonViewer, Viewer } from './viewer';

setUpTestDatabase();

type ViewerName = 'userA' | 'userB' | 'admin' | 'auditor' | 'cli';
type JobName = 'aDone' | 'aRunning' | 'bDone' | 'cliDone' | 'adminFailed';

const viewers = {} as Record<ViewerName, Viewer>;
let jobIds = {} as Record<JobName, number>;
const nameOf = (id: number) => (Object.keys(jobIds) as JobName[]).find((name) => jobIds[name] === id);

beforeAll(async () => {
  viewers.userA = await createTestUser('user', 'a');
  viewers.userB = await createTestUser('user', 'b');
  viewers.admin = await createTestUser('admin');
  viewers.auditor = await createTestUser('auditor');
  viewers.cli = { kind: 'cli', osUser: 'operator' } satisfies CliViewer;
});

/** A fresh set of jobs, with every older job cleared so that counts are exact. */
async function createScenario() {
  await getDb().update(jobs).set({ clearedAt: sql`now()` }).where(sql`cleared_at is null`);
  const task = findTask('long-running')!;
  const make = async (owner: PersonViewer | null, status: JobStatus) => {
    const [id] = await enqueueJobs(getDb(), [
      { task, payload: { durationSeconds: 1, steps: 1 }, origin: owner ? 'web' : 'cli', ownerId: owner?.id ?? null, osUser: owner ? null : 'operator' },
    ]);
    const finished = status === 'completed' || status === 'failed' ? sql`now()` : null;
    await getDb().update(jobs).set({ status, finishedAt: finished }).where(eq(jobs.id, id!));
    return id!;
  };
  jobIds = {
    aDone: await make(viewers.userA as PersonViewer, 'completed'),
    aRunning: await make(viewers.userA as PersonViewer, 'running'),
    bDone: await make(viewers.userB as PersonViewer, 'completed'),
    cliDone: await make(null, 'completed'),
    adminFailed: await make(viewers.admin as PersonViewer, 'failed'),
  };
}

async function listed(viewer: ViewerName, tab: JobsTab = 'all'): Promise<JobName[]> {
  const page = await listJobsForViewer(viewers[viewer], { tab, limit: 1000 });
  return page.jobs.map((job) => nameOf(job.id)).filter((name): name is JobName => Boolean(name)).sort();
}

const all: JobName[] = ['aDone', 'aRunning', 'adminFailed', 'bDone', 'cliDone'];

describe('the jobs page lists', () => {
  beforeAll(createScenario);

  it.each<[ViewerName, JobName[]]>([
    ['userA', ['aDone', 'aRunning']],
    ['userB', ['bDone']],
    ['admin', all],
    ['auditor', all],
    ['cli', all],
  ])('for %s: %j', async (viewer, expected) => {
    expect(await listed(viewer)).toEqual(expected);
  });

  it.each<[ViewerName, JobsTab, JobName[]]>([
    ['userA', 'active', ['aRunning']],
    ['userA', 'failed', []],
    ['userB', 'active', []],
    ['admin', 'active', ['aRunning']],
    ['admin', 'failed', ['adminFailed']],
    ['auditor', 'failed', ['adminFailed']],
  ])('for %s on the %s tab: %j', async (viewer, tab, expected) => {
    expect(await listed(viewer, tab)).toEqual(expected);
  });
});

describe('a job opens', () => {
  beforeAll(createScenario);

  const visibility: Record<ViewerName, JobName[]> = {
    userA: ['aDone', 'aRunning'],
    userB: ['bDone'],
    admin: all,
    auditor: all,
    cli: all,
  };
  const cells = (Object.keys(visibility) as ViewerName[]).flatMap((viewer) =>
    all.map((job) => [viewer, job, visibility[viewer].includes(job)] as const),
  );

  it.each(cells)('for %s, job %s: visible %s', async (viewer, job, visible) => {
    const found = await getJobForViewer(viewers[viewer], jobIds[job]);
    expect(found?.id ?? null).toBe(visible ? jobIds[job] : null);
  });

  // The event stream decides in JavaScript, one event at a time; it must agree with the queries.
  it.each(cells)('for %s, job %s: its events are seen %s', async (viewer, job, visible) => {
    const [row] = await getDb().select({ owner: jobs.ownerId }).from(jobs).where(eq(jobs.id, jobIds[job]));
    expect(canSeeJob(viewers[viewer], row!)).toBe(visible);
  });

  it.each<ViewerName>(['userA', 'admin', 'auditor'])('for %s, a job that does not exist: null', async (viewer) => {
    expect(await getJobForViewer(viewers[viewer], 999_999_999)).toBeNull();
  });
});

describe('clear inactive jobs', () => {
  beforeEach(createScenario);

  const cleared = async () => {
    const rows = await getDb().select({ id: jobs.id }).from(jobs).where(and(inArray(jobs.id, Object.values(jobIds)), isNotNull(jobs.clearedAt)));
    return rows.map((row) => nameOf(row.id)!).sort();
  };

  it.each<[ViewerName, JobName[]]>([
    ['userA', ['aDone']],
    ['userB', ['bDone']],
    ['admin', ['adminFailed', 'cliDone']],
    ['cli', ['cliDone']],
  ])('by %s clears exactly %j', async (viewer, expected) => {
    const count = await clearInactiveJobs(viewers[viewer], { origin: 'web' });
    expect({ count, cleared: await cleared() }).toEqual({ count: expected.length, cleared: expected });
  });

  it('by an auditor is refused and clears nothing', async () => {
    await expect(clearInactiveJobs(viewers.auditor, { origin: 'web' })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await cleared()).toEqual([]);
  });

  it('is audited with the jobs it cleared', async () => {
    await clearInactiveJobs(viewers.admin, { origin: 'web', address: '203.0.113.9' });
    const [event] = await getDb().select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
    expect(event).toMatchObject({
      action: 'jobs.clear_inactive',
      actorId: (viewers.admin as PersonViewer).id,
      actorRole: 'admin',
      jobCount: 2,
      origin: 'web',
      address: '203.0.113.9',
    });
    expect([...event!.jobIds].sort((x, y) => x - y)).toEqual([jobIds.cliDone, jobIds.adminFailed].sort((x, y) => x - y));
  });

  it('hides cleared jobs from everyone but auditors', async () => {
    await clearInactiveJobs(viewers.userA, { origin: 'web' });
    expect({ userA: await listed('userA'), admin: await listed('admin'), auditor: await listed('auditor') }).toEqual({
      userA: ['aRunning'],
      admin: ['aRunning', 'adminFailed', 'bDone', 'cliDone'],
      auditor: all,
    });
  });
});

describe('launching a task', () => {
  it.each<[ViewerName, string, 'launched' | 'forbidden']>([
    ['userA', 'long-running', 'launched'],
    ['userA', 'queue-maintenance', 'forbidden'],
    ['admin', 'queue-maintenance', 'launched'],
    ['admin', 'long-running', 'launched'],
    ['auditor', 'long-running', 'forbidden'],
    ['auditor', 'history-report', 'forbidden'],
    ['cli', 'queue-maintenance', 'launched'],
  ])('%s launching %s: %s', async (viewer, task, outcome) => {
    const origin = viewer === 'cli' ? 'cli' : 'web';
    const result = await launchJob(viewers[viewer], task, {}, { origin }).then(
      (id) => ({ outcome: 'launched', id }),
      (error: unknown) => ({ outcome: error instanceof ForbiddenError ? 'forbidden' : String(error), id: 0 }),
    );
    expect(result.outcome).toBe(outcome);
    if (outcome === 'launched') {
      const [row] = await getDb().select().from(jobs).where(eq(jobs.id, result.id));
      const viewerObject = viewers[viewer];
      expect({ origin: row!.origin, ownerId: row!.ownerId, osUser: row!.osUser }).toEqual(
        viewerObject.kind === 'cli'
          ? { origin: 'cli', ownerId: null, osUser: 'operator' }
          : { origin: 'web', ownerId: viewerObject.id, osUser: null },
      );
    }
  });

  it('refuses an unknown task with a validation error and creates nothing', async () => {
    const before = await getDb().$count(jobs);
    await expect(launchJob(viewers.userA, 'no-such-task', {}, { origin: 'web' })).rejects.toMatchObject({
      name: 'ValidationError',
      fieldErrors: { task: ['Unknown task'] },
    });
    expect(await getDb().$count(jobs)).toBe(before);
  });

  it.each([
    ['a NUL character', 'csv-import-check', { csv: 'identifier,title\nA1,Fi\u0000rst' }, { csv: ['Must not contain NUL characters'] }],
    ['more than 1 MB of CSV', 'csv-import-check', { csv: `identifier,title\n${'A,B\n'.repeat(300_000)}` }, { csv: ['At most 1 MB of CSV text'] }],
    ['a javascript: link', 'csv-import-check', { csv: 'identifier,title', source: 'javascript:alert(1)' }, { source: ['Enter an http(s) URL'] }],
    ['a date out of range', 'history-report', { from: '0000-01-01', to: '2026-01-01' }, { from: ['Enter a date between 1970 and 2999'] }],
  ])('refuses %s with a field error and creates nothing', async (_what, task, args, fieldErrors) => {
    const before = await getDb().$count(jobs);
    await expect(launchJob(viewers.userA, task, args, { origin: 'web' })).rejects.toMatchObject({ name: 'ValidationError', fieldErrors });
    expect(await getDb().$count(jobs)).toBe(before);
  });

  it('refuses bad arguments with field errors and creates nothing', async () => {
    const before = await getDb().$count(jobs);
    const error = await launchJob(viewers.userA, 'long-running', { durationSeconds: 0, steps: 'many' }, { origin: 'web' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({
      durationSeconds: ['At least 1 second'],
      steps: ['Enter a whole number of steps'],
    });
    expect(await getDb().$count(jobs)).toBe(before);
  });
});
