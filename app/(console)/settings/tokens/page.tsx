import type { Metadata } from 'next';
import Link from 'next/link';
import { LocalTime } from '@/components/time-zone';
import { getDb } from '@/db/client';
import { listApiTokens, MAX_TOKENS_PER_PERSON } from '@/jobs/tokens';
import { requireViewer } from '@/lib/session';
import { NewTokenForm, TokenState } from './token-forms';

export const metadata: Metadata = { title: 'API tokens' };

const roleWords = { user: 'your own jobs, as on your jobs page', admin: 'every job, as an administrator', auditor: 'every job, read-only, as an auditor' } as const;

/** Everyone's own API tokens: make one (shown once), see when each was last used, revoke. */
export default async function TokensPage() {
  const viewer = await requireViewer();
  const tokens = await listApiTokens(getDb(), viewer);
  const inUse = tokens.filter((token) => !token.revokedAt).length;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">API tokens</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600 dark:text-slate-300">
          A token lets a script use the <Link href="/api-docs" className="text-blue-700 underline dark:text-blue-300">REST API</Link> as you: it sees and changes {roleWords[viewer.role]}, under the same
          rules as these pages, and follows your role if it changes. Only a fingerprint of each token is kept, so it is shown once, when you make it. Revoke a token you no longer use, or that may have been
          seen. You can have {MAX_TOKENS_PER_PERSON} in use.
        </p>
      </div>
      <section aria-labelledby="new-token-heading" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900">
        <h2 id="new-token-heading" className="mb-3 font-semibold">
          New token
        </h2>
        <NewTokenForm />
      </section>
      <section aria-labelledby="tokens-heading">
        <h2 id="tokens-heading" className="mb-2 font-semibold">
          Your tokens <span className="text-sm font-normal text-slate-600 dark:text-slate-300">({inUse} in use)</span>
        </h2>
        {tokens.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-300">You have no tokens yet.</p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900">
            <table className="min-w-full text-left text-sm" data-testid="tokens-table">
              <caption className="sr-only">Your API tokens, newest first</caption>
              <thead className="border-b border-slate-200 text-xs font-semibold uppercase tracking-wide text-slate-600 dark:border-slate-700 dark:text-slate-300">
                <tr>
                  <th scope="col" className="px-3 py-2">Name</th>
                  <th scope="col" className="px-3 py-2">Token</th>
                  <th scope="col" className="px-3 py-2">Created</th>
                  <th scope="col" className="px-3 py-2">Last used</th>
                  <th scope="col" className="px-3 py-2">State</th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((token) => (
                  <tr key={token.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800" data-testid="token-row">
                    <th scope="row" className="px-3 py-2 font-medium">{token.name}</th>
                    <td className="px-3 py-2 font-mono">{token.shown}</td>
                    <td className="px-3 py-2"><LocalTime date={token.createdAt} /></td>
                    <td className="px-3 py-2"><LocalTime date={token.lastUsedAt} fallback="Never" /></td>
                    <td className="px-3 py-2">
                      <TokenState id={token.id} name={token.name} revokedAt={token.revokedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
