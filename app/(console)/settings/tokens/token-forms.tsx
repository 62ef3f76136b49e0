'use client';

import { useActionState, useId } from 'react';
import { SubmitButton } from '@/components/submit-button';
import { LocalTime } from '@/components/time-zone';
import { createTokenAction, revokeTokenAction, type NewTokenState, type RevokeTokenState } from './actions';

/** The form that makes a token, and the token itself, shown once, after it is made. */
export function NewTokenForm() {
  const [state, action, pending] = useActionState<NewTokenState, FormData>(createTokenAction, {});
  const nameId = useId();
  const nameErrors = state.fieldErrors?.name;
  return (
    <div className="space-y-3">
      <form action={action} className="flex flex-wrap items-end gap-3 text-sm">
        <label htmlFor={nameId} className="flex flex-col gap-1">
          <span className="font-medium">Name</span>
          <input
            id={nameId}
            name="name"
            required
            maxLength={100}
            defaultValue={state.value ?? ''}
            key={state.token ?? state.value ?? ''}
            placeholder="Nightly import script"
            aria-invalid={nameErrors ? true : undefined}
            aria-describedby={nameErrors ? `${nameId}-error` : undefined}
            className="w-72 max-w-full rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-900"
          />
        </label>
        <SubmitButton pending={pending} label="Create token" pendingLabel="Creating…" />
      </form>
      {nameErrors ? (
        <p id={`${nameId}-error`} className="text-sm text-red-700 dark:text-red-300">
          {nameErrors.join(' ')}
        </p>
      ) : state.formError ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {state.formError}
        </p>
      ) : null}
      {state.token ? (
        <div role="status" className="rounded-md border border-green-300 bg-green-50 p-3 text-sm text-green-900 dark:border-green-800 dark:bg-green-950 dark:text-green-100" data-testid="new-token">
          <p className="font-medium">Token “{state.name}” created. Copy it now: it is shown only this once.</p>
          <label className="mt-2 flex flex-col gap-1">
            <span className="sr-only">The new token</span>
            <input
              readOnly
              value={state.token}
              onFocus={(event) => event.currentTarget.select()}
              className="w-full rounded-md border border-green-300 bg-white px-2 py-1 font-mono text-slate-900 dark:border-green-800 dark:bg-slate-900 dark:text-slate-100"
              data-testid="new-token-value"
            />
          </label>
          <p className="mt-2">
            Send it as <code className="font-mono">Authorization: Bearer …</code>, for example:{' '}
            <code className="font-mono break-all">curl -H &quot;Authorization: Bearer $TOKEN&quot; https://this-console/api/v1/jobs</code>
          </p>
        </div>
      ) : null}
    </div>
  );
}

/**
 * A token's state, and its Revoke button while it is in use. The button's answer stays in view after
 * the page re-renders the row as revoked (the component keeps its place, so its state).
 */
export function TokenState({ id, name, revokedAt }: { id: string; name: string; revokedAt: Date | null }) {
  const [state, action, pending] = useActionState<RevokeTokenState, FormData>(revokeTokenAction, {});
  return (
    <div className="flex flex-wrap items-center gap-2">
      {revokedAt ? (
        <span>
          Revoked <LocalTime date={revokedAt} />
        </span>
      ) : (
        <form
          action={action}
          onSubmit={(event) => {
            if (!window.confirm(`Revoke "${name}"? Scripts using it stop working at once.`)) event.preventDefault();
          }}
          className="flex items-center gap-2"
        >
          <span>In use</span>
          <input type="hidden" name="id" value={id} />
          <button
            type="submit"
            disabled={pending}
            aria-label={`Revoke ${name}`}
            className="rounded-md border border-red-300 px-2 py-1 text-red-800 hover:bg-red-50 disabled:opacity-60 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950"
          >
            {pending ? 'Revoking…' : 'Revoke'}
          </button>
        </form>
      )}
      {state.notice ? <span role="status">{state.notice}</span> : null}
      {state.error ? (
        <span role="alert" className="text-red-700 dark:text-red-300">
          {state.error}
        </span>
      ) : null}
    </div>
  );
}
