import Link from 'next/link';
import { jobOrigins, jobPriorities, jobStatuses } from '@/db/enums';
import { SEARCH_MIN_CHARACTERS, type FilterProblems, type JobFilter } from '@/jobs/filters';

const fieldBase = 'mt-1 block w-full rounded-md border px-2 py-1 text-sm';
const field = `${fieldBase} border-slate-300 dark:border-slate-600`;

/**
 * The jobs page's filters, a plain GET form: the view lives in the URL, so it can be bookmarked,
 * shared and exported, and works without JavaScript. Two columns on a phone, four, then six.
 * `problems` are values the page refused and left out of the view: the words field shows its text
 * again with the reason.
 */
export function JobFilters({
  filter,
  problems = {},
  showUser,
  tasks,
}: {
  filter: JobFilter;
  problems?: FilterProblems;
  showUser: boolean;
  tasks: { name: string; title: string }[];
}) {
  return (
    <form method="get" action="/jobs" className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-3 text-sm sm:grid-cols-4 lg:grid-cols-6" aria-label="Filter jobs">
      {filter.tab !== 'all' ? <input type="hidden" name="tab" value={filter.tab} /> : null}
      <div className="col-span-2">
        <label className="block">
          Words
          <input
            type="search"
            name="q"
            defaultValue={problems.q?.value ?? filter.q ?? ''}
            placeholder="title, arguments, error"
            minLength={SEARCH_MIN_CHARACTERS}
            maxLength={200}
            aria-invalid={problems.q ? true : undefined}
            aria-describedby={problems.q ? 'filter-q-error' : undefined}
            className={`${fieldBase} ${problems.q ? 'border-red-500' : 'border-slate-300 dark:border-slate-600'}`}
          />
        </label>
        {problems.q ? (
          <p id="filter-q-error" className="mt-1 text-xs text-red-700 dark:text-red-300">
            {problems.q.message}; not applied.
          </p>
        ) : null}
      </div>
      <label>
        Task
        <select name="task" defaultValue={filter.task ?? ''} className={field}>
          <option value="">Any</option>
          {tasks.map((task) => (
            <option key={task.name} value={task.name}>
              {task.title}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select name="status" defaultValue={filter.status ?? ''} className={field}>
          <option value="">Any</option>
          {jobStatuses.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label>
        Priority
        <select name="priority" defaultValue={filter.priority ?? ''} className={field}>
          <option value="">Any</option>
          {jobPriorities.map((priority) => (
            <option key={priority} value={priority}>
              {priority}
            </option>
          ))}
        </select>
      </label>
      <label>
        Queue
        <input type="text" name="queue" defaultValue={filter.queue ?? ''} placeholder="exact name" maxLength={100} className={field} />
      </label>
      <label>
        Origin
        <select name="origin" defaultValue={filter.origin ?? ''} className={field}>
          <option value="">Any</option>
          {jobOrigins.map((origin) => (
            <option key={origin} value={origin}>
              {origin}
            </option>
          ))}
        </select>
      </label>
      {showUser ? (
        <label>
          User
          <input type="text" name="user" defaultValue={filter.user ?? ''} placeholder="email" className={field} />
        </label>
      ) : null}
      <label>
        From
        <input type="date" name="from" defaultValue={filter.from ?? ''} className={field} />
      </label>
      <label>
        To
        <input type="date" name="to" defaultValue={filter.to ?? ''} className={field} />
      </label>
      <div className="col-span-2 flex items-end gap-2 sm:col-span-4 lg:col-span-6">
        <button type="submit" className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800">
          Filter
        </button>
        <Link href={filter.tab === 'all' ? '/jobs' : `/jobs?tab=${filter.tab}`} className="px-2 py-1.5 text-blue-700 dark:text-blue-300 hover:underline">
          Clear filters
        </Link>
      </div>
    </form>
  );
}
