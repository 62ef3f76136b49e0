import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { z } from 'zod';
import { auditActions, auditFilterSchema, canReadAudit, listAuditEvents, type AuditFilter } from '@/jobs/audit-log';
import { LocalTime } from '@/components/time-zone';
import { requireViewer } from '@/lib/session';

export const metadata: Metadata = { title: 'Audit log' };

const field = 'mt-1 block w-full rounded-md border border-slate-300 dark:border-slate-600 px-2 py-1 text-sm';
const cursor = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined);

function query(filter: AuditFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, String(value));
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}

/** Admins and auditors: who did what, newest first, filterable and exportable. */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const viewer = await requireViewer();
  if (!canReadAudit(viewer)) notFound();
  const params = Object.fromEntries(Object.entries(await searchParams).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
  const parsed = auditFilterSchema.safeParse(params);
  const filter: AuditFilter = parsed.success ? parsed.data : {};
  const before = cursor.parse(params.before);
  const [page, actions] = await Promise.all([listAuditEvents(viewer, filter, { before }), auditActions()]);
  const filterText = query(filter);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">Audit log</h1>
        <a href={`/api/audit/export${filterText ? `?${filterText}` : ''}`} download className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">
          Export CSV
        </a>
      </div>
      {!parsed.success ? (
        <p role="alert" className="rounded-md bg-red-50 dark:bg-red-950 px-3 py-2 text-sm text-red-800 dark:text-red-300">
          {parsed.error.issues[0]!.message}: showing everything.
        </p>
      ) : null}
      <form method="get" action="/audit" aria-label="Filter the audit log" className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-3 text-sm sm:grid-cols-5">
        <label>
          Actor
          <input type="text" name="actor" defaultValue={filter.actor ?? ''} placeholder="email" className={field} />
        </label>
        <label>
          Action
          <select name="action" defaultValue={filter.action ?? ''} className={field}>
            <option value="">Any</option>
            {actions.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" name="from" defaultValue={filter.from ?? ''} className={field} />
        </label>
        <label>
          To
          <input type="date" name="to" defaultValue={filter.to ?? ''} className={field} />
        </label>
        <div className="flex items-end gap-2">
          <button type="submit" className="rounded-md border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800">
            Filter
          </button>
          <Link href="/audit" className="px-2 py-1.5 text-blue-700 dark:text-blue-300 hover:underline">
            Clear
          </Link>
        </div>
      </form>

      {page.rows.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-4 py-10 text-center text-slate-600 dark:text-slate-400">Nothing recorded matches.</p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900">
          <table className="min-w-full divide-y divide-slate-200 dark:divide-slate-700 text-sm">
            <caption className="sr-only">Audit log, newest first</caption>
            <thead className="bg-slate-50 dark:bg-slate-800 text-left text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-3 py-2">Time</th>
                <th scope="col" className="px-3 py-2">Actor</th>
                <th scope="col" className="px-3 py-2">Role</th>
                <th scope="col" className="px-3 py-2">Action</th>
                <th scope="col" className="px-3 py-2">Jobs</th>
                <th scope="col" className="px-3 py-2">Which</th>
                <th scope="col" className="px-3 py-2">Origin</th>
                <th scope="col" className="px-3 py-2">Address</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {page.rows.map((row) => (
                <tr key={row.id} data-audit-id={row.id} className="align-top">
                  <td className="whitespace-nowrap px-3 py-2"><LocalTime date={row.at} /></td>
                  <td className="px-3 py-2">{row.actorLabel}</td>
                  <td className="px-3 py-2">{row.actorRole}</td>
                  <td className="px-3 py-2 font-mono text-xs">{row.action}</td>
                  <td className="px-3 py-2">{row.jobCount}</td>
                  <td className="max-w-sm px-3 py-2">
                    {row.jobIds.length > 0 ? (
                      <span className="flex flex-wrap gap-x-2">
                        {row.jobIds.slice(0, 10).map((id) => (
                          <Link key={id} href={`/jobs/${id}`} className="text-blue-700 dark:text-blue-300 hover:underline">
                            {id}
                          </Link>
                        ))}
                        {row.jobCount > 10 ? <span className="text-slate-500 dark:text-slate-400">and {row.jobCount - 10} more</span> : null}
                      </span>
                    ) : null}
                    {row.filter ? <code className="block break-all text-xs text-slate-600 dark:text-slate-400">{JSON.stringify(row.filter)}</code> : null}
                    {row.details ? <code className="block break-all text-xs text-slate-500 dark:text-slate-400">{JSON.stringify(row.details)}</code> : null}
                  </td>
                  <td className="px-3 py-2">{row.origin}</td>
                  <td className="px-3 py-2 text-slate-600 dark:text-slate-400">{row.address ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {before !== undefined || page.older !== null ? (
        <nav aria-label="Pages" className="flex justify-between text-sm">
          {before !== undefined ? <Link href={`/audit${filterText ? `?${filterText}` : ''}`} className="text-blue-700 dark:text-blue-300 hover:underline">Newest</Link> : <span />}
          {page.older !== null ? (
            <Link href={`/audit?${query(filter, { before: String(page.older) })}`} className="text-blue-700 dark:text-blue-300 hover:underline">
              Older →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
