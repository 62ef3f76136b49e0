import NextAuth from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { authConfig } from '@/auth.config';
import { getDb } from '@/db/client';
import { recordAudit } from '@/jobs/audit';
import { authenticate } from '@/lib/accounts';
import { addressOf } from '@/lib/request-address';

const noNul = (text: string) => !text.includes('\0');
const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().min(3).max(254).refine(noNul),
  password: z.string().min(1).max(256).refine(noNul),
});

/** next-auth with email and password against the `users` table; every sign-in, good or bad, is audited. */
export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials, request) {
        const parsed = credentialsSchema.safeParse(credentials);
        if (!parsed.success) return null;
        const db = getDb();
        const account = await authenticate(db, parsed.data.email, parsed.data.password);
        const source = { origin: 'web' as const, address: addressOf(request.headers) };
        if (!account) {
          await recordAudit(db, { viewer: null, actorLabel: parsed.data.email, action: 'auth.sign_in_failed', source });
          return null;
        }
        await recordAudit(db, { viewer: { kind: 'person', ...account }, action: 'auth.sign_in', source });
        return { id: account.id, email: account.email };
      },
    }),
  ],
});
