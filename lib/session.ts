import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { auth } from '@/auth';
import { getDb } from '@/db/client';
import type { ActionSource } from '@/jobs/audit';
import type { PersonViewer } from '@/jobs/viewer';
import { findActiveAccount } from './accounts';
import { addressOf } from './request-address';

/** The signed-in person, read from the session and checked against the users table; null when anonymous. */
export const getViewer = cache(async (): Promise<PersonViewer | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const account = await findActiveAccount(getDb(), id);
  return account ? { kind: 'person', ...account } : null;
});

/** For pages and server actions: the signed-in person, or a redirect to the sign-in page. */
export async function requireViewer(): Promise<PersonViewer> {
  const viewer = await getViewer();
  if (!viewer) redirect('/login');
  return viewer;
}

/** Where a web request came from, for the audit trail. */
export async function webSource(): Promise<ActionSource> {
  return { origin: 'web', address: addressOf(await headers()) };
}
