import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getDb } from '@/db/client';
import { taskCatalogue } from '@/jobs/catalogue';
import { taskArgumentSummaries } from '@/jobs/task-form';
import { canManageTasks, listTaskSettings, TASK_NOTE_MAX_LENGTH } from '@/jobs/task-settings';
import { LocalTime } from '@/components/time-zone';
import { requireViewer } from '@/lib/session';
import { ActiveToggle, NoteForm } from './task-controls';

export const metadata: Metadata = { title: 'Tasks' };

const categories = [...new Set(taskCatalogue.map((task) => task.category))].sort();

const filterLink = 'rounded-full px-3 py-1 ring-1';
const filterLinkIdle = `${filterLink} bg-white dark:bg-slate-900 text-slate-700 dark:text-slate-300 ring-slate-300 dark:ring-slate-600 hover:bg-slate-100 dark:hover:bg-slate-800`;
const filterLinkCurrent = `${filterLink} bg-blue-700 font-medium text-white ring-blue-700`;

/**
 * Admins: every task of the catalogue, hidden ones too, with what it takes and who may launch it;
 * each can be turned off (nobody launches it then) and carry a note. Filtered by `?category=`.
 */
export default async function TasksPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await requireViewer();
  if (!canManageTasks(viewer)) notFound();
  const requested = (await searchParams).category;
  // An unknown category (a stale link) shows every task rather than an empty page.
  const category = categories.find((candidate) => candidate === (Array.isArray(requested) ? requested[0] : requested));
  const settings = await listTaskSettings(getDb(), viewer);
  const tasks = taskCatalogue.filter((task) => category === undefined || task.category === category);

  return (
    <div className="space-y-6">
      <div className="space-y-1">
        <h1 className="text-xl font-semibold">Tasks</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Every task the console runs. Nobody can launch an inactive task or retry its jobs, from the web or the command line; jobs already waiting
          still run (cancel them, or purge their queue, to stop them). Hidden tasks are launched by the console itself: turning one off refuses
          what launches it, such as bulk actions on many jobs.
        </p>
      </div>

      <nav aria-label="Filter by category" className="flex flex-wrap gap-2 text-sm">
        <Link href="/tasks" aria-current={category === undefined ? 'page' : undefined} className={category === undefined ? filterLinkCurrent : filterLinkIdle}>
          All
        </Link>
        {categories.map((name) => (
          <Link
            key={name}
            href={`/tasks?${new URLSearchParams({ category: name })}`}
            aria-current={category === name ? 'page' : undefined}
            className={category === name ? filterLinkCurrent : filterLinkIdle}
          >
            {name}
          </Link>
        ))}
      </nav>

      <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900">
        <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700 text-sm">
          <caption className="sr-only">Tasks{category ? ` in ${category}` : ''}</caption>
          <thead className="bg-slate-50 dark:bg-slate-800 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2">Task</th>
              <th scope="col" className="px-3 py-2">Launched by</th>
              <th scope="col" className="px-3 py-2">Arguments</th>
              <th scope="col" className="px-3 py-2">Active</th>
              <th scope="col" className="px-3 py-2">Note</th>
              <th scope="col" className="px-3 py-2">
                <span className="sr-only">Launch</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {tasks.map((task) => {
              const setting = settings.get(task.name)!;
              const args = taskArgumentSummaries(task);
              return (
                <tr key={task.name} data-task={task.name} className="align-top">
                  <td className="max-w-md px-3 py-2">
                    <div className="font-medium">
                      {task.title}
                      {task.hidden ? <span className="ml-2 rounded-full bg-slate-100 dark:bg-slate-800 px-2 py-0.5 text-xs font-normal text-slate-600 dark:text-slate-400 ring-1 ring-slate-300 dark:ring-slate-600">hidden</span> : null}
                    </div>
                    <div className="font-mono text-xs text-slate-500 dark:text-slate-400">{task.name}</div>
                    <div className="mt-1 text-xs text-slate-500 dark:text-slate-400">{task.category}</div>
                    <p className="mt-1 text-slate-600 dark:text-slate-400">{task.description}</p>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">
                    <div>{task.launchableBy === 'admin' ? 'Admins' : 'Users and admins'}</div>
                    <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-2 text-xs text-slate-600 dark:text-slate-400">
                      <dt>Priority</dt>
                      <dd>{task.defaultPriority}</dd>
                      <dt>Queue</dt>
                      <dd className="font-mono">{task.queue}</dd>
                    </dl>
                  </td>
                  <td className="px-3 py-2">
                    {args.length === 0 ? (
                      <span className="text-slate-500 dark:text-slate-400">None</span>
                    ) : (
                      <ul className="space-y-1 text-xs" aria-label={`Arguments of ${task.title}`}>
                        {args.map((arg) => (
                          <li key={arg.name} title={arg.description}>
                            <span className="font-mono text-slate-900 dark:text-slate-100">{arg.name}</span> <span className="text-slate-600 dark:text-slate-400">{arg.type}</span>
                            {arg.required ? <span className="ml-1 font-medium text-red-800 dark:text-red-300">required</span> : null}
                            {arg.defaultValue !== undefined ? <span className="ml-1 text-slate-500 dark:text-slate-400">default {arg.defaultValue}</span> : null}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td className="px-3 py-2">
                    <ActiveToggle task={task.name} title={task.title} active={setting.active} />
                  </td>
                  <td className="px-3 py-2">
                    <NoteForm task={task.name} title={task.title} note={setting.note} maxLength={TASK_NOTE_MAX_LENGTH} />
                    {setting.changedAt ? (
                      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
                        Settings changed <LocalTime date={setting.changedAt} /> by {setting.changedBy}
                      </p>
                    ) : null}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">
                    {task.hidden ? null : setting.active ? (
                      <Link href={`/jobs/new/${task.name}`} className="text-blue-700 dark:text-blue-300 hover:underline">
                        Launch<span className="sr-only"> {task.title}</span>
                      </Link>
                    ) : (
                      <span className="text-slate-500 dark:text-slate-400">Inactive</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
