'use client';

import Link from 'next/link';

/** Shown instead of a blank page when something fails on the server; the details stay in the server log. */
export default function ConsoleError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="rounded-lg border border-red-200 bg-white px-4 py-10 text-center" role="alert">
      <h1 className="text-lg font-semibold">Something went wrong</h1>
      <p className="mt-1 text-slate-600">The request could not be completed. Try again, or go back to the jobs.</p>
      <div className="mt-4 flex justify-center gap-4">
        <button type="button" onClick={reset} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100">
          Try again
        </button>
        <Link href="/jobs" className="px-3 py-1.5 text-sm text-blue-700 hover:underline">
          Back to the jobs
        </Link>
      </div>
    </div>
  );
}
