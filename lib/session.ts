import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { auth } from '@/auth';
import { SESSION_MAX_AGE_SECONDS } from '@/auth.config';
import { getDb } from '@/db/client';
import type { ActionSource } from '@/jobs/audit';
import type { PersonViewer } from '@/jobs/viewer';
import { findSignedInAccount } from './accounts';
import { addressOf } from './request-address';

/**
 * The signed-in person, from the session checked against the users table and the revoked sessions;
 * null when anonymous, signed out, disabled or deleted.
 */
export const getViewer = cache(async (): Promise<PersonViewer | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id || !session.sessionId || session.signedInAt === undefined) return null;
  const claims = { sessionId: session.sessionId, signedInAt: session.signedInAt };
  const account = await findSignedInAccount(getDb(), id, claims, SESSION_MAX_AGE_SECONDS);
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
