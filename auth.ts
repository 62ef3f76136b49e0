import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { authConfig } from '@/auth.config';
import { getDb, type Db } from '@/db/client';
import { recordAudit } from '@/jobs/audit';
import { authenticate } from '@/lib/accounts';
import { addressOf } from '@/lib/request-address';
import { SignInLimits } from '@/lib/sign-in-limits';

const noNul = (text: string) => !text.includes('\0');
const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().min(3).max(254).refine(noNul),
  password: z.string().min(1).max(256).refine(noNul),
});

/** A sign-in refused because of too many failures; `code` reaches the sign-in action. */
export class TooManySignIns extends CredentialsSignin {
  code = 'too_many_attempts';
  constructor(readonly waitSeconds: number) {
    super('Too many failed sign-ins');
  }
}

let limiter: SignInLimits | undefined;
const signInLimits = (db: Db) => (limiter ??= new SignInLimits(db));

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
        const { email, password } = parsed.data;
        const source = { origin: 'web' as const, address: addressOf(request.headers) };
        const limits = signInLimits(db);
        const wait = await limits.waitSeconds(email, source.address);
        if (wait > 0) {
          // Checked before the password, so that a guess past the limit learns nothing.
          await recordAudit(db, { viewer: null, actorLabel: email, action: 'auth.sign_in_refused', source, details: { waitSeconds: wait } });
          throw new TooManySignIns(wait);
        }
        const account = await authenticate(db, email, password);
        if (!account) {
          await limits.failed(email, source.address);
          await recordAudit(db, { viewer: null, actorLabel: email, action: 'auth.sign_in_failed', source });
          return null;
        }
        await limits.succeeded(email);
        await recordAudit(db, { viewer: { kind: 'person', ...account }, action: 'auth.sign_in', source });
        return { id: account.id, email: account.email };
      },
    }),
  ],
});
