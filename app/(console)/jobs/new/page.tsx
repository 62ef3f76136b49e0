import type { Metadata } from 'next';
import Link from 'next/link';
import { getDb } from '@/db/client';
import { tasksLaunchableBy } from '@/jobs/catalogue';
import { inactiveTaskNames } from '@/jobs/task-settings';
import { requireViewer } from '@/lib/session';

export const metadata: Metadata = { title: 'Launch a job' };

export default async function LaunchPage() {
  const viewer = await requireViewer();
  const tasks = tasksLaunchableBy(viewer, await inactiveTaskNames(getDb()));
  const categories = [...new Set(tasks.map((task) => task.category))];
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Launch a job</h1>
      {tasks.length === 0 ? (
        <p className="text-slate-600 dark:text-slate-400">There are no tasks you can launch.</p>
      ) : (
        categories.map((category) => (
          <section key={category} aria-labelledby={`category-${category}`}>
            <h2 id={`category-${category}`} className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">
              {category}
            </h2>
            <ul className="grid gap-3 sm:grid-cols-2">
              {tasks
                .filter((task) => task.category === category)
                .map((task) => (
                  <li key={task.name} className="rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-4">
                    <h3 className="font-semibold">
                      <Link href={`/jobs/new/${task.name}`} className="text-blue-800 dark:text-blue-300 hover:underline">
                        {task.title}
                      </Link>
                      {task.launchableBy === 'admin' ? <span className="ml-2 text-xs font-normal text-slate-500 dark:text-slate-400">admin only</span> : null}
                    </h3>
                    <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{task.description}</p>
                  </li>
                ))}
            </ul>
          </section>
        ))
      )}
    </div>
  );
}
