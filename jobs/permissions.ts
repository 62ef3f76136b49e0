import { and, eq, inArray, isNull, or, type SQL } from 'drizzle-orm';
import { inactiveJobStatuses, jobs } from '@/db/schema';
import { ForbiddenError } from './errors';
import type { Viewer } from './viewer';

/**
 * Who may see and do what. Every query and action on jobs takes its conditions from here, so the
 * rules are written once:
 * - a user sees and clears only their own jobs, and launches the tasks open to users;
 * - an admin sees every job, launches every task, and clears their own jobs and CLI jobs, never
 *   another user's (AtoM's rule);
 * - an auditor sees every job, including those cleared from the jobs page, and changes nothing;
 * - a user cancels, stops and retries their own jobs; an admin and the command line any job;
 * - the command line sees every job, launches every task and clears CLI jobs.
 */

/** Whether the viewer sees other people's jobs (and so the "user" column). */
export function seesAllJobs(viewer: Viewer): boolean {
  return !(viewer.kind === 'person' && viewer.role === 'user');
}

/** Whether cleared jobs stay on the viewer's jobs page (auditors keep the whole history in view). */
export function seesClearedJobs(viewer: Viewer): boolean {
  return viewer.kind === 'person' && viewer.role === 'auditor';
}

/** Condition on `jobs` for the jobs the viewer may open (details, log, result). */
export function visibleJobs(viewer: Viewer): SQL | undefined {
  if (viewer.kind === 'person' && viewer.role === 'user') return eq(jobs.ownerId, viewer.id);
  return undefined;
}

/**
 * The same rule as `visibleJobs`, for one job already in hand (an event from the stream): whether
 * the viewer may see it. The permissions test checks that both agree on every kind of job.
 */
export function canSeeJob(viewer: Viewer, job: { owner: string | null }): boolean {
  if (viewer.kind === 'person' && viewer.role === 'user') return job.owner === viewer.id;
  return true;
}

/** Condition on `jobs` for the rows of the viewer's jobs page. */
export function listedJobs(viewer: Viewer): SQL | undefined {
  return and(visibleJobs(viewer), seesClearedJobs(viewer) ? undefined : isNull(jobs.clearedAt));
}

/** Whether the viewer has a "Clear inactive jobs" button at all. */
export function canClearJobs(viewer: Viewer): boolean {
  return viewer.kind === 'cli' || viewer.role !== 'auditor';
}

/** Condition on `jobs` for the jobs "Clear inactive jobs" removes from the viewer's page. */
export function clearableJobs(viewer: Viewer): SQL {
  if (!canClearJobs(viewer)) throw new ForbiddenError('Auditors cannot clear jobs.');
  const inactiveAndListed = and(inArray(jobs.status, [...inactiveJobStatuses]), isNull(jobs.clearedAt))!;
  const fromCli = eq(jobs.origin, 'cli');
  if (viewer.kind === 'cli') return and(fromCli, inactiveAndListed)!;
  const own = eq(jobs.ownerId, viewer.id);
  return and(viewer.role === 'admin' ? or(own, fromCli) : own, inactiveAndListed)!;
}

/** Whether the viewer may cancel, stop and retry jobs at all. Auditors change nothing. */
export function canControlJobs(viewer: Viewer): boolean {
  return viewer.kind === 'cli' || viewer.role !== 'auditor';
}

/**
 * Condition on `jobs` for the jobs the viewer may cancel, stop and retry: a user their own, an
 * admin and the command line any. Call `canControlJobs` first: an auditor is refused outright,
 * while another user's job is simply not found.
 */
export function controllableJobs(viewer: Viewer): SQL | undefined {
  if (!canControlJobs(viewer)) throw new ForbiddenError('Auditors cannot change jobs.');
  return visibleJobs(viewer);
}

/** Whether the viewer pauses, resumes and purges queues and changes priorities: admins and the command line. */
export function canManageQueues(viewer: Viewer): boolean {
  return viewer.kind === 'cli' || viewer.role === 'admin';
}

/** Who may launch a task: `user` means every user and admin, `admin` admins only. */
export type LaunchableBy = 'user' | 'admin';

/** Whether the viewer may launch a task open to `launchableBy`. Auditors launch nothing. */
export function canLaunchTask(viewer: Viewer, launchableBy: LaunchableBy): boolean {
  if (viewer.kind === 'cli') return true;
  if (viewer.role === 'auditor') return false;
  return launchableBy === 'user' || viewer.role === 'admin';
}
