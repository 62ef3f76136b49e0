import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { LaunchForm } from '@/components/launch-form';
import { getDb } from '@/db/client';
import { findTask } from '@/jobs/catalogue';
import { canLaunchTask } from '@/jobs/permissions';
import { taskFormFields } from '@/jobs/task-form';
import { isTaskActive, taskInactiveMessage } from '@/jobs/task-settings';
import { requireViewer } from '@/lib/session';
import { launchJobAction } from '../../actions';

export const metadata: Metadata = { title: 'Launch a job' };

export default async function LaunchTaskPage({ params }: { params: Promise<{ task: string }> }) {
  const viewer = await requireViewer();
  const task = findTask((await params).task);
  if (!task || task.hidden || !canLaunchTask(viewer, task.launchableBy)) notFound();
  // An inactive task keeps its page (a bookmark still explains itself) but offers no form.
  const active = await isTaskActive(getDb(), task.name);
  return (
    <div className="max-w-2xl space-y-4">
      <Link href="/jobs/new" className="text-sm text-blue-700 dark:text-blue-300 hover:underline">
        ← All tasks
      </Link>
      <h1 className="text-xl font-semibold">{task.title}</h1>
      <p className="text-slate-600 dark:text-slate-400">{task.description}</p>
      {active ? (
        <LaunchForm fields={taskFormFields(task)} action={launchJobAction.bind(null, task.name)} defaultPriority={task.defaultPriority} />
      ) : (
        <p className="rounded-md bg-amber-50 dark:bg-amber-950 px-3 py-2 text-sm text-amber-900 dark:text-amber-200 ring-1 ring-amber-300 dark:ring-amber-800" data-testid="task-inactive">
          {taskInactiveMessage(task)}
        </p>
      )}
    </div>
  );
}
