import Link from 'next/link';

export default function JobNotFound() {
  return (
    <div className="rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 px-4 py-10 text-center">
      <h1 className="text-lg font-semibold">Job not found</h1>
      <p className="mt-1 text-slate-600 dark:text-slate-400">There is no such job, or it is not one you can see.</p>
      <Link href="/jobs" className="mt-4 inline-block text-blue-700 dark:text-blue-300 hover:underline">
        Back to the jobs
      </Link>
    </div>
  );
}
