import Link from 'next/link';
import { LiveProvider } from '@/components/live/live-provider';
import { getDb } from '@/db/client';
import { openAlerts } from '@/jobs/alerts';
import { canReadAudit } from '@/jobs/audit-log';
import { canManageQueues } from '@/jobs/permissions';
import { ThemeSelect } from '@/components/theme-select';
import { readAppearance } from '@/lib/appearance-server';
import { currentEventId } from '@/lib/live/stream';
import { requireViewer } from '@/lib/session';
import { signOutAction } from './actions';

const roleNames = { user: 'User', admin: 'Administrator', auditor: 'Auditor' } as const;

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const viewer = await requireViewer();
  // Pages rendered now show the jobs as of this event; the stream resumes from here.
  const since = await currentEventId(getDb());
  // Admins see the alerts that are on, on every page (one read of a small partial index).
  const alertsOn = canManageQueues(viewer) ? await openAlerts(getDb()) : [];
  const { theme } = await readAppearance();
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/jobs" className="text-base font-semibold">
            Jobs console
          </Link>
          <nav aria-label="Main" className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
            <Link href="/jobs" className="text-slate-700 dark:text-slate-300 hover:text-blue-700 dark:hover:text-blue-300">
              Jobs
            </Link>
            {viewer.role !== 'auditor' ? (
              <Link href="/jobs/new" className="text-slate-700 dark:text-slate-300 hover:text-blue-700 dark:hover:text-blue-300">
                Launch a job
              </Link>
            ) : null}
            {canManageQueues(viewer) ? (
              <>
                <Link href="/dashboard" className="text-slate-700 dark:text-slate-300 hover:text-blue-700 dark:hover:text-blue-300">
                  Dashboard
                </Link>
                <Link href="/queues" className="text-slate-700 dark:text-slate-300 hover:text-blue-700 dark:hover:text-blue-300">
                  Queues
                </Link>
                <Link href="/tasks" className="text-slate-700 dark:text-slate-300 hover:text-blue-700 dark:hover:text-blue-300">
                  Tasks
                </Link>
                <Link href="/schedules" className="text-slate-700 dark:text-slate-300 hover:text-blue-700 dark:hover:text-blue-300">
                  Schedules
                </Link>
              </>
            ) : null}
            {canReadAudit(viewer) ? (
              <Link href="/audit" className="text-slate-700 dark:text-slate-300 hover:text-blue-700 dark:hover:text-blue-300">
                Audit log
              </Link>
            ) : null}
            <Link href="/settings/tokens" className="text-slate-700 dark:text-slate-300 hover:text-blue-700 dark:hover:text-blue-300">
              API tokens
            </Link>
          </nav>
          <div className="ml-auto flex min-w-0 flex-wrap items-center gap-3 text-sm">
            <span data-testid="viewer" className="min-w-0 break-all">
              {viewer.email} <span className="text-slate-500 dark:text-slate-400">· {roleNames[viewer.role]}</span>
            </span>
            <ThemeSelect theme={theme} />
            <form action={signOutAction}>
              <button type="submit" className="rounded-md border border-slate-300 dark:border-slate-600 px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800">
                Sign out
              </button>
            </form>
          </div>
        </div>
      </header>
      {alertsOn.length > 0 ? (
        <section aria-label="Alerts on now" className="border-b border-red-300 dark:border-red-800 bg-red-50 dark:bg-red-950 text-sm text-red-900 dark:text-red-200" data-testid="alert-banner">
          <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2">
            <strong>{alertsOn.length === 1 ? 'Alert:' : `${alertsOn.length} alerts:`}</strong>
            <span>{alertsOn[0]!.message}</span>
            {alertsOn.length > 1 ? <span>and {alertsOn.length - 1} more.</span> : null}
            <Link href="/dashboard#alerts" className="ml-auto font-medium underline">
              See the dashboard
            </Link>
          </div>
        </section>
      ) : null}
      <main className="mx-auto max-w-7xl px-4 py-6">
        <LiveProvider since={since}>{children}</LiveProvider>
      </main>
    </div>
  );
}
