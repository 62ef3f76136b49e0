import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { LiveControls, NoScriptNotice } from '@/components/live/live-controls';
import { JobsPageLive } from '@/components/live/refresh-on-events';
import { PriorityControl, QueueControls } from '@/components/queue-controls';
import { getDb } from '@/db/client';
import { canManageQueues } from '@/jobs/permissions';
import { jobsInLine, queueSummaries } from '@/jobs/queues';
import { LocalTime } from '@/components/time-zone';
import { currentEventId } from '@/lib/live/stream';
import { requireViewer } from '@/lib/session';

export const metadata: Metadata = { title: 'Queues' };

/** Admins: each queue with its waiting and running jobs, pause / resume / purge, and the line of waiting jobs. */
export default async function QueuesPage() {
  const viewer = await requireViewer();
  if (!canManageQueues(viewer)) notFound();
  const db = getDb();
  const renderedAt = await currentEventId(db);
  const [queues, line] = await Promise.all([queueSummaries(db), jobsInLine(db, 100)]);

  return (
    <div className="space-y-6">
      <JobsPageLive tab="all" firstPage shownIds={[]} showsCleared renderedAt={renderedAt} />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">Queues</h1>
        <LiveControls />
        <NoScriptNotice />
      </div>

      <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900">
        <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700 text-sm">
          <caption className="sr-only">Queues</caption>
          <thead className="bg-slate-50 dark:bg-slate-800 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2">Queue</th>
              <th scope="col" className="px-3 py-2">State</th>
              <th scope="col" className="px-3 py-2">Waiting</th>
              <th scope="col" className="px-3 py-2">Running</th>
              <th scope="col" className="px-3 py-2">Waiting since</th>
              <th scope="col" className="px-3 py-2">Actions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {queues.map((queue) => (
              <tr key={queue.queue} data-queue={queue.queue}>
                <td className="px-3 py-2 font-medium">{queue.queue}</td>
                <td className="px-3 py-2" data-testid="queue-state">
                  {queue.paused ? <span className="rounded-full bg-amber-50 dark:bg-amber-950 px-2 py-0.5 text-xs font-medium text-amber-800 dark:text-amber-300 ring-1 ring-amber-300 dark:ring-amber-800">Paused</span> : 'Running'}
                </td>
                <td className="px-3 py-2">{queue.waiting}</td>
                <td className="px-3 py-2">{queue.running}</td>
                <td className="px-3 py-2"><LocalTime date={queue.oldestWaitingSince} fallback="—" /></td>
                <td className="px-3 py-2">
                  <QueueControls queue={queue.queue} paused={queue.paused} waiting={queue.waiting} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section aria-labelledby="line" className="space-y-2">
        <h2 id="line" className="font-semibold">In line</h2>
        <p className="text-sm text-slate-600 dark:text-slate-400">Jobs due to run, in the order workers take them: priority first, then the time they became due. Jobs of paused queues wait outside the line.</p>
        {line.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-4 py-6 text-center text-slate-600 dark:text-slate-400">No job is waiting to run.</p>
        ) : (
          <ol className="divide-y divide-slate-100 dark:divide-slate-800 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 text-sm" data-testid="line">
            {line.map((job) => (
              <li key={job.id} className="flex flex-wrap items-center gap-3 px-3 py-2" data-job-id={job.id}>
                <span className="w-10 text-right font-mono text-slate-500 dark:text-slate-400" data-testid="position">{job.position}</span>
                <Link href={`/jobs/${job.id}`} className="font-medium text-blue-700 dark:text-blue-300 hover:underline">
                  {job.title}
                </Link>
                <span className="text-slate-500 dark:text-slate-400">
                  {job.queue} · {job.priority}
                </span>
                <span className="ml-auto">
                  <PriorityControl jobId={job.id} priority={job.priority} />
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
