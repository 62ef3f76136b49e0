import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { users } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser, TEST_PASSWORD } from '@/test/fixtures';
import { authenticate, findSignedInAccount, revokeSession } from './accounts';

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

  it('finds a signed-in account until its session is revoked or the account disabled', async () => {
    const user = await createTestUser('user');
    const session = crypto.randomUUID();
    const other = crypto.randomUUID();
    expect(await findSignedInAccount(getDb(), user.id, session)).toEqual({ id: user.id, email: user.email, role: 'user' });
    await revokeSession(getDb(), { sessionId: session, userId: user.id, expiresAt: new Date(Date.now() + 3600_000) });
    expect(await findSignedInAccount(getDb(), user.id, session)).toBeNull();
    expect(await findSignedInAccount(getDb(), user.id, other)).not.toBeNull();
    await getDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    expect(await findSignedInAccount(getDb(), user.id, other)).toBeNull();
    expect(await authenticate(getDb(), user.email, TEST_PASSWORD)).toBeNull();
  });

  it('refuses malformed ids without querying', async () => {
    expect(await findSignedInAccount(getDb(), 'not-a-uuid', crypto.randomUUID())).toBeNull();
    expect(await findSignedInAccount(getDb(), crypto.randomUUID(), "' or 1=1 --")).toBeNull();
  });
});
