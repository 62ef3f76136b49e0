import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, getDb } from '@/db/client';
import { setUpTestDatabase } from '@/test/database';
import { ACCOUNT_FAILURES, ADDRESS_FAILURES, pruneSignInLimits, SignInLimits, WINDOW_SECONDS } from './sign-in-limits';

const databaseUrl = setUpTestDatabase();
// Two web processes: two pools, one table.
const other = { handle: undefined as ReturnType<typeof createDb> | undefined };
afterAll(async () => {
  await other.handle?.close();
});

describe('sign-in limits', () => {
  it('stop an account after its failures, counted across web processes, whatever the address or case', async () => {
    other.handle = createDb(databaseUrl(), { max: 1 });
    const web1 = new SignInLimits(getDb());
    const web2 = new SignInLimits(other.handle.db);
    for (let i = 0; i < ACCOUNT_FAILURES - 1; i++) await (i % 2 ? web1 : web2).failed('Victim@Example.test', `10.0.0.${i}`);
    expect(await web1.waitSeconds('victim@example.test', '10.0.1.1')).toBe(0);
    await web2.failed('victim@example.test', '10.0.0.99');
    const wait = await web1.waitSeconds('VICTIM@example.test', '10.0.1.1');
    expect(wait).toBeGreaterThan(WINDOW_SECONDS - 5);
    expect(wait).toBeLessThanOrEqual(WINDOW_SECONDS);
    // Another account from those addresses is not held back.
    expect(await web2.waitSeconds('someone-else@example.test', '10.0.0.1')).toBe(0);
  });

  it('stop an address after its failures over many accounts; a success clears only its account', async () => {
    const limits = new SignInLimits(getDb());
    for (let i = 0; i < ADDRESS_FAILURES; i++) await limits.failed(`user-${i}@example.test`, '192.0.2.7');
    expect(await limits.waitSeconds('fresh@example.test', '192.0.2.7')).toBeGreaterThan(0);
    expect(await limits.waitSeconds('fresh@example.test', '192.0.2.8')).toBe(0);
    await limits.failed('returning@example.test', '198.51.100.1');
    await limits.succeeded('returning@example.test');
    const [row] = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from sign_in_limits where key = 'account:returning@example.test'`);
    expect(row!.n).toBe(0);
  });

  it('count again from zero once the window has passed, and the old rows are pruned', async () => {
    const limits = new SignInLimits(getDb());
    for (let i = 0; i < ACCOUNT_FAILURES; i++) await limits.failed('old@example.test', null);
    expect(await limits.waitSeconds('old@example.test', null)).toBeGreaterThan(0);
    await getDb().execute(sql`update sign_in_limits set expire = now() - interval '2 hours' where key = 'account:old@example.test'`);
    expect(await limits.waitSeconds('old@example.test', null)).toBe(0);
    await limits.failed('old@example.test', null);
    const [counted] = await getDb().execute<{ points: number }>(sql`select points from sign_in_limits where key = 'account:old@example.test'`);
    expect(counted!.points).toBe(1);
    await getDb().execute(sql`update sign_in_limits set expire = now() - interval '2 hours' where key = 'account:old@example.test'`);
    expect(await pruneSignInLimits(getDb())).toBe(1);
  });
});
