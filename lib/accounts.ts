import { hash, verify } from '@node-rs/argon2';
import { and, eq, isNull, lt, lte, notExists, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '@/db/client';
import { revokedSessions, users, userRoles, type UserRole } from '@/db/schema';

export const emailSchema = z.email({ error: 'Enter a valid email address' }).trim().toLowerCase().max(254);
export const passwordSchema = z
  .string({ error: 'Enter a password' })
  .min(12, 'The password must be at least 12 characters')
  .max(256, 'The password must be at most 256 characters');
export const roleSchema = z.enum(userRoles, { error: `The role must be one of: ${userRoles.join(', ')}` });

/** Hashes a password with argon2id (the library's defaults: 19 MiB, 2 passes). */
function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verified against when the email is unknown, so that a wrong email and a wrong password take as long.
let decoyHash: Promise<string> | undefined;

export interface AccountSummary {
  id: string;
  email: string;
  role: UserRole;
}

/** The account for an email and password, or null; unknown email and wrong password are indistinguishable. */
export async function authenticate(db: DbOrTx, email: string, password: string): Promise<AccountSummary | null> {
  const [user] = await db
    .select({ id: users.id, email: users.email, role: users.role, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.email, email.trim().toLowerCase()));
  if (!user) {
    decoyHash ??= hashPassword('decoy password that matches nothing');
    await verify(await decoyHash, password).catch(() => false);
    return null;
  }
  const ok = await verify(user.passwordHash, password).catch(() => false);
  if (!ok || user.disabledAt) return null;
  return { id: user.id, email: user.email, role: user.role };
}

/** A session as the token describes it. */
export interface SessionClaims {
  sessionId: string;
  /** When the person signed in, in ms since the epoch. */
  signedInAt: number;
}

/**
 * A signed-in person's current account, read again on every request so that a role change, a
 * disabled account, a password change or a signed-out or expired session takes effect at once.
 * Null for any of those.
 */
export async function findSignedInAccount(db: DbOrTx, id: string, session: SessionClaims, maxAgeSeconds: number): Promise<AccountSummary | null> {
  if (!z.uuid().safeParse(id).success || !z.uuid().safeParse(session.sessionId).success) return null;
  const signedInAt = new Date(session.signedInAt);
  if (!Number.isFinite(session.signedInAt) || Date.now() - session.signedInAt > maxAgeSeconds * 1000) return null;
  const [user] = await db
    .select({ id: users.id, email: users.email, role: users.role })
    .from(users)
    .where(
      and(
        eq(users.id, id),
        isNull(users.disabledAt),
        or(isNull(users.sessionsValidAfter), lte(users.sessionsValidAfter, signedInAt)),
        notExists(db.select({ one: sql`1` }).from(revokedSessions).where(eq(revokedSessions.sessionId, session.sessionId))),
      ),
    );
  return user ?? null;
}

/**
 * Ends a session for good: its token, or any copy of it, is refused from now on. The record is kept
 * until the session would have ended anyway (`expiresAt`: sign-in time plus the maximum age).
 */
export async function revokeSession(db: DbOrTx, session: { sessionId: string; userId: string; expiresAt: Date }): Promise<void> {
  await db.delete(revokedSessions).where(lt(revokedSessions.expiresAt, sql`now()`));
  await db.insert(revokedSessions).values(session).onConflictDoNothing();
}

export class AccountExistsError extends Error {
  constructor(email: string) {
    super(`An account for ${email} already exists.`);
    this.name = 'AccountExistsError';
  }
}

/** Creates an account; input is validated here, whoever calls. */
export async function createAccount(
  db: DbOrTx,
  input: { email: string; role: string; password: string },
): Promise<AccountSummary> {
  const parsed = z.object({ email: emailSchema, role: roleSchema, password: passwordSchema }).parse(input);
  const passwordHash = await hashPassword(parsed.password);
  const [user] = await db
    .insert(users)
    .values({ email: parsed.email, role: parsed.role, passwordHash })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id, email: users.email, role: users.role });
  if (!user) throw new AccountExistsError(parsed.email);
  return user;
}

/** Sets a new password for an existing account and ends its sessions; false when there is no such account. */
export async function setPassword(db: DbOrTx, email: string, password: string): Promise<boolean> {
  const parsedEmail = emailSchema.parse(email);
  const passwordHash = await hashPassword(passwordSchema.parse(password));
  // Every session that began before the change ends with it.
  const updated = await db
    .update(users)
    .set({ passwordHash, sessionsValidAfter: sql`now()` })
    .where(eq(users.email, parsedEmail))
    .returning({ id: users.id });
  return updated.length > 0;
}
