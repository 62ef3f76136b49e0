import { lt, sql } from 'drizzle-orm';
import { RateLimiterDrizzle, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '@/db/client';
import { signInLimits } from '@/db/schema';

/**
 * Sign-in attempts are limited per account and per address, with rate-limiter-flexible's Drizzle
 * store on PostgreSQL, so the counts hold across every web process. Only failures count: a
 * successful sign-in clears its account's count. Past a limit every attempt is refused, right
 * password or not, until the window has passed.
 */

/** Failed sign-ins an account may have in the window. */
export const ACCOUNT_FAILURES = 10;
/** Failed sign-ins one address may have in the window, whatever the accounts. */
export const ADDRESS_FAILURES = 50;
export const WINDOW_SECONDS = 15 * 60;

export class SignInLimits {
  private readonly account: RateLimiterDrizzle;
  private readonly address: RateLimiterDrizzle;

  constructor(db: Db) {
    const options = { storeClient: db, schema: signInLimits, duration: WINDOW_SECONDS, clearExpiredByTimeout: false };
    this.account = new RateLimiterDrizzle({ ...options, keyPrefix: 'account', points: ACCOUNT_FAILURES });
    this.address = new RateLimiterDrizzle({ ...options, keyPrefix: 'address', points: ADDRESS_FAILURES });
  }

  /** Seconds until this account may try again from this address; 0 when it may now. */
  async waitSeconds(email: string, address: string | null): Promise<number> {
    const [account, fromAddress] = await Promise.all([this.account.get(accountKey(email)), address ? this.address.get(address) : null]);
    const blocked = (result: RateLimiterRes | null, limit: number) => (result && result.consumedPoints >= limit ? result.msBeforeNext : 0);
    return Math.ceil(Math.max(blocked(account, ACCOUNT_FAILURES), blocked(fromAddress, ADDRESS_FAILURES)) / 1000);
  }

  /** Counts a failed sign-in against the account and the address. */
  async failed(email: string, address: string | null): Promise<void> {
    await Promise.all([this.account.penalty(accountKey(email)), address ? this.address.penalty(address) : null]);
  }

  /** A successful sign-in: the account's failures are forgotten (the address's are not). */
  async succeeded(email: string): Promise<void> {
    await this.account.delete(accountKey(email));
  }
}

/** Emails differ in case only as typed: one account, one count. */
function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Deletes counts whose window ended over an hour ago (run by the workers' maintenance). */
export async function pruneSignInLimits(db: Db): Promise<number> {
  const deleted = await db.delete(signInLimits).where(lt(signInLimits.expire, sql`now() - interval '1 hour'`)).returning({ key: signInLimits.key });
  return deleted.length;
}
