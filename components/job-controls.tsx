'use client';

import { useActionState } from 'react';
import type { JobStatus } from '@/db/enums';
import { controlJobAction, type ControlState } from '@/app/(console)/jobs/[id]/actions';

const button = 'rounded-md border px-3 py-1.5 text-sm disabled:opacity-50';
const plain = `${button} border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 hover:bg-slate-100 dark:hover:bg-slate-800`;
const danger = `${button} border-red-300 dark:border-red-800 bg-white dark:bg-slate-900 text-red-800 dark:text-red-300 hover:bg-red-50 dark:hover:bg-red-950`;

/** Asks before a destructive action; without JavaScript the form submits as it is. */
function confirmFirst(message: string) {
  return (event: React.MouseEvent<HTMLButtonElement>) => {
    if (!window.confirm(message)) event.preventDefault();
  };
}

/**
 * The actions on one job that its status allows: cancel a waiting job; stop a running one
 * gracefully or by force; retry a failed or cancelled one. Destructive ones ask first.
 */
export function JobControls({ jobId, status, stopRequested }: { jobId: number; status: JobStatus; stopRequested: boolean }) {
  const [state, action, pending] = useActionState<ControlState, FormData>(controlJobAction, {});
  const waiting = status === 'scheduled' || status === 'queued' || status === 'retrying';
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" aria-label="Job actions">
      <input type="hidden" name="jobId" value={jobId} />
      {waiting ? (
        <button type="submit" name="action" value="cancel" disabled={pending} className={danger} onClick={confirmFirst(`Cancel job ${jobId}? It will not run.`)}>
          Cancel job
        </button>
      ) : null}
      {status === 'running' && !stopRequested ? (
        <button type="submit" name="action" value="stop" disabled={pending} className={danger} onClick={confirmFirst(`Stop job ${jobId} at its next step?`)}>
          Stop
        </button>
      ) : null}
      {status === 'running' ? (
        <button
          type="submit"
          name="action"
          value="force-stop"
          disabled={pending}
          className={danger}
          onClick={confirmFirst(`Force-stop job ${jobId}? It is cancelled at once, and nothing it does afterwards is recorded.`)}
        >
          Force stop
        </button>
      ) : null}
      {status === 'failed' || status === 'cancelled' ? (
        <button type="submit" name="action" value="retry" disabled={pending} className={plain}>
          Retry
        </button>
      ) : null}
      {status === 'running' && stopRequested ? <span className="text-sm text-amber-800 dark:text-amber-300">Stop requested</span> : null}
      <span role="status" className="text-sm">
        {state.error ? <span className="text-red-700 dark:text-red-300">{state.error}</span> : state.notice ? <span className="text-slate-700 dark:text-slate-300">{state.notice}</span> : null}
      </span>
    </form>
  );
}

/** The jobs page's force stop for a stuck row: asks first, then says what happened beside it. */
export function ForceStopButton({ jobId }: { jobId: number }) {
  const [state, action, pending] = useActionState<ControlState, FormData>(controlJobAction, {});
  return (
    <form action={action} className="mt-1 inline-flex items-center gap-2">
      <input type="hidden" name="jobId" value={jobId} />
      <button
        type="submit"
        name="action"
        value="force-stop"
        disabled={pending}
        className="rounded border border-red-300 dark:border-red-800 bg-white dark:bg-slate-900 px-2 py-0.5 text-xs text-red-800 dark:text-red-300 hover:bg-red-50 dark:hover:bg-red-950"
        onClick={confirmFirst(`Force-stop job ${jobId}? It is cancelled at once, and nothing it does afterwards is recorded.`)}
      >
        Force stop<span className="sr-only"> job {jobId}</span>
      </button>
      {state.error ? <span className="text-xs text-red-700 dark:text-red-300">{state.error}</span> : null}
    </form>
  );
}
