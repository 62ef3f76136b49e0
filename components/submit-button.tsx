/** A form's main button, disabled and relabelled while the action runs. */
export function SubmitButton({ pending, label, pendingLabel, className = '' }: { pending: boolean; label: string; pendingLabel: string; className?: string }) {
  return (
    <button
      type="submit"
      disabled={pending}
      className={`rounded-md bg-blue-700 px-4 py-2 text-sm font-semibold text-white hover:bg-blue-800 disabled:opacity-60 ${className}`}
    >
      {pending ? pendingLabel : label}
    </button>
  );
}
