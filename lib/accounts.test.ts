import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { users } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser, TEST_PASSWORD } from '@/test/fixtures';
import { authenticate, findSignedInAccount, revokeSession, setPassword } from './accounts';

setUpTestDatabase();

describe('accounts', () => {
  it('authenticates by email in any case, and refuses a wrong password or an unknown email alike', async () => {
    const user = await createTestUser('admin');
    expect(await authenticate(getDb(), user.email.toUpperCase(), TEST_PASSWORD)).toEqual({ id: user.id, email: user.email, role: 'admin' });
    expect(await authenticate(getDb(), user.email, 'wrong password')).toBeNull();
    expect(await authenticate(getDb(), 'nobody@example.test', TEST_PASSWORD)).toBeNull();
  });

  it('stores an argon2id hash, never the password', async () => {
    const user = await createTestUser('user');
    const [row] = await getDb().select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id));
    expect(row!.hash).toMatch(/^\$argon2id\$/);
    expect(row!.hash).not.toContain(TEST_PASSWORD);
  });

  const HOUR = 3600;
  const claims = (signedInAt = Date.now()) => ({ sessionId: crypto.randomUUID(), signedInAt });

  it('finds a signed-in account until its session is revoked or the account disabled', async () => {
    const user = await createTestUser('user');
    const session = claims();
    const other = claims();
    expect(await findSignedInAccount(getDb(), user.id, session, 8 * HOUR)).toEqual({ id: user.id, email: user.email, role: 'user' });
    await revokeSession(getDb(), { sessionId: session.sessionId, userId: user.id, expiresAt: new Date(Date.now() + HOUR * 1000) });
    expect(await findSignedInAccount(getDb(), user.id, session, 8 * HOUR)).toBeNull();
    expect(await findSignedInAccount(getDb(), user.id, other, 8 * HOUR)).not.toBeNull();
    await getDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    expect(await findSignedInAccount(getDb(), user.id, other, 8 * HOUR)).toBeNull();
    expect(await authenticate(getDb(), user.email, TEST_PASSWORD)).toBeNull();
  });

  it('ends a session its maximum age after sign-in, however recently the cookie was renewed', async () => {
    const user = await createTestUser('user');
    expect(await findSignedInAccount(getDb(), user.id, claims(Date.now() - 7 * HOUR * 1000), 8 * HOUR)).not.toBeNull();
    expect(await findSignedInAccount(getDb(), user.id, claims(Date.now() - 9 * HOUR * 1000), 8 * HOUR)).toBeNull();
  });

  it('ends every earlier session when the password changes', async () => {
    const user = await createTestUser('user');
    const before = claims(Date.now() - 1000);
    expect(await setPassword(getDb(), user.email, 'a brand new password')).toBe(true);
    expect(await findSignedInAccount(getDb(), user.id, before, 8 * HOUR)).toBeNull();
    expect(await findSignedInAccount(getDb(), user.id, claims(Date.now() + 1000), 8 * HOUR)).not.toBeNull();
    expect(await authenticate(getDb(), user.email, 'a brand new password')).toMatchObject({ id: user.id });
  });

  it('refuses malformed ids without querying', async () => {
    expect(await findSignedInAccount(getDb(), 'not-a-uuid', claims(), 8 * HOUR)).toBeNull();
    expect(await findSignedInAccount(getDb(), crypto.randomUUID(), { sessionId: "' or 1=1 --", signedInAt: Date.now() }, 8 * HOUR)).toBeNull();
  });
});
