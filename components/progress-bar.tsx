/**
 * A progress bar for a running job, with the percentage in words for screen readers; with
 * `showPercent`, also in words beside the bar (where nothing else on screen says it).
 */
export function ProgressBar({ value, label, showPercent = false }: { value: number; label?: string; showPercent?: boolean }) {
  const percent = Math.round(Math.min(1, Math.max(0, value)) * 100);
  const bar = (
    <div
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${percent} %`}
      aria-label={label ?? 'Progress'}
      className="mt-1 h-1.5 w-28 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
    >
      <div className="h-full rounded-full bg-blue-600 dark:bg-blue-400 transition-[width]" style={{ width: `${percent}%` }} />
    </div>
  );
  if (!showPercent) return bar;
  return (
    <div className="flex items-center gap-2">
      {bar}
      <span className="mt-1 text-xs tabular-nums text-slate-600 dark:text-slate-300" aria-hidden="true" data-testid="job-progress-percent">
        {percent} %
      </span>
    </div>
  );
}
