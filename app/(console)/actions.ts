'use server';

import { auth, signOut } from '@/auth';
import { SESSION_MAX_AGE_SECONDS } from '@/auth.config';
import { getDb } from '@/db/client';
import { recordAudit } from '@/jobs/audit';
import { revokeSession } from '@/lib/accounts';
import { getViewer, webSource } from '@/lib/session';

/** Ends the session for good (not only in this browser's cookie) and returns to the sign-in page. */
export async function signOutAction(): Promise<void> {
  const [session, viewer] = await Promise.all([auth(), getViewer()]);
  if (session?.sessionId && session.signedInAt !== undefined && viewer) {
    const source = await webSource();
    const expiresAt = new Date(session.signedInAt + SESSION_MAX_AGE_SECONDS * 1000);
    await getDb().transaction(async (tx) => {
      await revokeSession(tx, { sessionId: session.sessionId!, userId: viewer.id, expiresAt });
      await recordAudit(tx, { viewer, action: 'auth.sign_out', source });
    });
  }
  await signOut({ redirectTo: '/login' });
}
