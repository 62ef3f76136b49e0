'use client';

import Link from 'next/link';

/** Shown instead of a blank page when something fails on the server; the details stay in the server log. */
export default function ConsoleError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="rounded-lg border border-red-200 dark:border-red-900 bg-white dark:bg-slate-900 px-4 py-10 text-center" role="alert">
      <h1 className="text-lg font-semibold">Something went wrong</h1>
      <p className="mt-1 text-slate-600 dark:text-slate-400">The request could not be completed. Try again, or go back to the jobs.</p>
      <div className="mt-4 flex justify-center gap-4">
        <button type="button" onClick={reset} className="rounded-md border border-slate-300 dark:border-slate-600 px-3 py-1.5 text-sm hover:bg-slate-100 dark:hover:bg-slate-800">
          Try again
        </button>
        <Link href="/jobs" className="px-3 py-1.5 text-sm text-blue-700 dark:text-blue-300 hover:underline">
          Back to the jobs
        </Link>
      </div>
    </div>
  );
}
