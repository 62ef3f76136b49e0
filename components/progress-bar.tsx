/** A progress bar for a running job, with the percentage in words for screen readers. */
export function ProgressBar({ value, label }: { value: number; label?: string }) {
  const percent = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-label={label ?? 'Progress'}
      className="mt-1 h-1.5 w-28 overflow-hidden rounded-full bg-slate-200"
    >
      <div className="h-full rounded-full bg-blue-600 transition-[width]" style={{ width: `${percent}%` }} />
    </div>
  );
}
