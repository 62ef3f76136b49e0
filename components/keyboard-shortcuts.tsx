'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';

/** The jobs page's shortcuts, as the help dialog lists them. */
export const jobsPageShortcuts: { keys: string[]; what: string }[] = [
  { keys: ['j', '↓'], what: 'Next job' },
  { keys: ['k', '↑'], what: 'Previous job' },
  { keys: ['Enter', 'o'], what: 'Open the current job' },
  { keys: ['/'], what: 'Search (the Words filter)' },
  { keys: ['1'], what: 'All jobs tab' },
  { keys: ['2'], what: 'Active jobs tab' },
  { keys: ['3'], what: 'Failed jobs tab' },
  { keys: ['r'], what: 'Refresh' },
  { keys: ['?'], what: 'Show this list' },
  { keys: ['Esc'], what: 'Close this list' },
];

const ROWS = 'tr[data-job-id]';

/** Whether a key press belongs to what the viewer is typing in, or to another shortcut of the browser. */
function notForUs(event: KeyboardEvent): boolean {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return true;
  const target = event.target;
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null;
}

/**
 * Keyboard shortcuts for the jobs page (see `jobsPageShortcuts`), and the "?" dialog that lists
 * them. The current row is a roving focus: it gets focus (tabindex -1) and aria-current, and
 * globals.css outlines it. Nothing fires while typing in a field, with Ctrl, Meta or Alt held, or
 * while the dialog is open. `tabHrefs` are the All, Active and Failed tabs' addresses, in order.
 */
export function KeyboardShortcuts({ tabHrefs }: { tabHrefs: string[] }) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const restoreFocus = useRef<HTMLElement | null>(null);
  const currentId = useRef<string | null>(null);

  useEffect(() => {
    const rows = () => [...document.querySelectorAll<HTMLTableRowElement>(ROWS)];
    const currentRow = () => rows().find((row) => row.dataset.jobId === currentId.current) ?? null;
    const select = (row: HTMLTableRowElement) => {
      for (const other of rows()) {
        if (other !== row) other.removeAttribute('aria-current');
      }
      row.setAttribute('aria-current', 'true');
      row.tabIndex = -1;
      currentId.current = row.dataset.jobId ?? null;
      row.focus();
    };
    const move = (step: 1 | -1) => {
      const all = rows();
      if (all.length === 0) return;
      const at = all.findIndex((row) => row.dataset.jobId === currentId.current);
      const next = at === -1 ? (step === 1 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
      select(all[next]!);
    };
    const open = () => {
      const row = currentRow();
      if (row) router.push(`/jobs/${row.dataset.jobId}`);
      return row !== null;
    };

    const onKeyDown = (event: KeyboardEvent) => {
      if (dialog.current?.open || notForUs(event)) return;
      let handled = true;
      switch (event.key) {
        case 'j':
        case 'ArrowDown':
          move(1);
          break;
        case 'k':
        case 'ArrowUp':
          move(-1);
          break;
        case 'o':
          handled = open();
          break;
        case 'Enter':
          // Enter on a link or button is theirs; on the current row (or nothing) it opens the row.
          handled = (document.activeElement === currentRow() || document.activeElement === document.body) && open();
          break;
        case '/':
          {
            const search = document.querySelector<HTMLInputElement>('form[aria-label="Filter jobs"] input[name="q"]');
            if (search) search.focus();
            else handled = false;
          }
          break;
        case '1':
        case '2':
        case '3':
          {
            const href = tabHrefs[Number(event.key) - 1];
            if (href) router.push(href);
            else handled = false;
          }
          break;
        case 'r':
          router.refresh();
          break;
        case '?':
          restoreFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
          dialog.current?.showModal();
          break;
        default:
          handled = false;
      }
      if (handled) event.preventDefault();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [router, tabHrefs]);

  const openHelp = () => {
    restoreFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.current?.showModal();
  };
  // The browser closes the dialog on Escape; focus goes back where it was.
  const onClose = () => {
    const back = restoreFocus.current;
    restoreFocus.current = null;
    if (back?.isConnected) back.focus();
  };

  return (
    <>
      <button
        type="button"
        onClick={openHelp}
        aria-keyshortcuts="Shift+?"
        className="js-only rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:hover:bg-slate-700"
      >
        Keyboard shortcuts
      </button>
      <dialog
        ref={dialog}
        onClose={onClose}
        aria-labelledby="shortcuts-title"
        aria-modal="true"
        className="m-auto w-full max-w-md rounded-lg border border-slate-200 bg-white p-5 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
        data-testid="shortcuts-dialog"
      >
        <h2 id="shortcuts-title" className="mb-3 text-lg font-semibold">
          Keyboard shortcuts
        </h2>
        <p className="mb-3 text-sm text-slate-600 dark:text-slate-300">On the jobs page, when you are not typing in a field:</p>
        <table className="w-full text-sm">
          <caption className="sr-only">Keyboard shortcuts of the jobs page</caption>
          <thead className="sr-only">
            <tr>
              <th scope="col">Keys</th>
              <th scope="col">What they do</th>
            </tr>
          </thead>
          <tbody>
            {jobsPageShortcuts.map(({ keys, what }) => (
              <tr key={what}>
                <th scope="row" className="whitespace-nowrap py-1 pr-4 text-left font-normal">
                  {keys.map((key, index) => (
                    <span key={key}>
                      {index > 0 ? <span className="text-slate-600 dark:text-slate-300"> or </span> : null}
                      <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs dark:border-slate-600 dark:bg-slate-800">{key}</kbd>
                    </span>
                  ))}
                </th>
                <td className="py-1">{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="dialog" className="mt-4 text-right">
          <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:hover:bg-slate-700">
            Close
          </button>
        </form>
      </dialog>
    </>
  );
}
