import crypto from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { apiTokens, auditEvents, jobs, users } from '@/db/schema';
import { setUpTestDatabase } from '@/test/database';
import { createTestUser } from '@/test/fixtures';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors';
import { launchJobIdempotently } from './launch';
import { createApiToken, listApiTokens, looksLikeApiToken, MAX_TOKENS_PER_PERSON, revokeApiToken, viewerForApiToken } from './tokens';

setUpTestDatabase();
const web = { origin: 'web' as const };
const api = { origin: 'api' as const, address: '203.0.113.9' };

describe('personal API tokens', () => {
  it('are made, shown once, kept only as a hash, and act as their owner with the role of the moment', async () => {
    const person = await createTestUser('user', 'token-owner');
    const { token, summary } = await createApiToken(getDb(), person, { name: '  Nightly import  ' }, web);
    expect(looksLikeApiToken(token)).toBe(true);
    expect(summary).toMatchObject({ name: 'Nightly import', shown: `${token.slice(0, 9)}…`, lastUsedAt: null, revokedAt: null });
    // Nothing in the database holds the token itself.
    const [row] = await getDb().select().from(apiTokens).where(eq(apiTokens.id, summary.id));
    expect(row!.tokenHash.equals(crypto.createHash('sha256').update(token).digest())).toBe(true);
    const [holding] = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from api_tokens t where t::text like ${`%${token.slice(9)}%`}`);
    expect(holding!.n).toBe(0);

    expect(await viewerForApiToken(getDb(), token)).toEqual(person);
    const [used] = await listApiTokens(getDb(), person);
    expect(used!.lastUsedAt).toBeInstanceOf(Date);
    // A role change applies to the next request.
    await getDb().update(users).set({ role: 'auditor' }).where(eq(users.id, person.id));
    expect(await viewerForApiToken(getDb(), token)).toEqual({ ...person, role: 'auditor' });
    const [audit] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.action, 'token.create'), eq(auditEvents.actorId, person.id)));
    expect(audit!.details).toEqual({ tokenId: summary.id, name: 'Nightly import' });
  });

  it('stop working when revoked or when the account is disabled; a revoke of someone else’s token is not found', async () => {
    const [owner, other] = [await createTestUser('user', 'revoker'), await createTestUser('admin', 'other')];
    const first = await createApiToken(getDb(), owner, { name: 'one' }, web);
    const second = await createApiToken(getDb(), owner, { name: 'two' }, web);
    await expect(revokeApiToken(getDb(), other, first.summary.id, web)).rejects.toBeInstanceOf(NotFoundError);
    await expect(revokeApiToken(getDb(), owner, 'not-a-uuid', web)).rejects.toBeInstanceOf(NotFoundError);
    expect(await viewerForApiToken(getDb(), first.token)).not.toBeNull();
    const revoked = await revokeApiToken(getDb(), owner, first.summary.id, api);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await viewerForApiToken(getDb(), first.token)).toBeNull();
    // Revoking again keeps the first time.
    expect((await revokeApiToken(getDb(), owner, first.summary.id, web)).revokedAt).toEqual(revoked.revokedAt);
    await getDb().update(users).set({ disabledAt: sql`now()` }).where(eq(users.id, owner.id));
    expect(await viewerForApiToken(getDb(), second.token)).toBeNull();
    // Malformed and unknown tokens are refused alike.
    for (const bad of ['', 'jc_', `jc_${'A'.repeat(42)}`, `xx_${'A'.repeat(43)}`, `jc_${'A'.repeat(43)}`, `${second.token} `]) expect(await viewerForApiToken(getDb(), bad)).toBeNull();
  });

  it('have a name of 1 to 100 characters, and at most 25 are in use at once, even when made together', async () => {
    const person = await createTestUser('user', 'many-tokens');
    for (const name of ['', '   ', 'x'.repeat(101), 'tab\there', 42]) {
      await expect(createApiToken(getDb(), person, { name }, web)).rejects.toBeInstanceOf(ValidationError);
    }
    const made = await Promise.allSettled(Array.from({ length: MAX_TOKENS_PER_PERSON + 5 }, (_, index) => createApiToken(getDb(), person, { name: `t${index}` }, web)));
    expect(made.filter((result) => result.status === 'fulfilled')).toHaveLength(MAX_TOKENS_PER_PERSON);
    expect(made.filter((result) => result.status === 'rejected' && result.reason instanceof ValidationError)).toHaveLength(5);
    const tokens = await listApiTokens(getDb(), person);
    await revokeApiToken(getDb(), person, tokens[0]!.id, web);
    await expect(createApiToken(getDb(), person, { name: 'one more' }, web)).resolves.toBeDefined();
  });
});

describe('idempotent launches', () => {
  it('make one job per person and key; the key again answers that job; another launch with it is a conflict', async () => {
    const [person, other] = [await createTestUser('user', 'idem'), await createTestUser('user', 'idem-other')];
    const key = crypto.randomUUID();
    const first = await launchJobIdempotently(person, 'ping', { message: 'hello' }, api, { idempotencyKey: key });
    expect(first.replayed).toBe(false);
    expect(await launchJobIdempotently(person, 'ping', { message: 'hello' }, api, { idempotencyKey: key })).toEqual({ id: first.id, replayed: true });
    await expect(launchJobIdempotently(person, 'ping', { message: 'bye' }, api, { idempotencyKey: key })).rejects.toBeInstanceOf(ConflictError);
    await expect(launchJobIdempotently(person, 'failing', { message: 'hello' }, api, { idempotencyKey: key })).rejects.toBeInstanceOf(ConflictError);
    const theirs = await launchJobIdempotently(other, 'ping', { message: 'hello' }, api, { idempotencyKey: key });
    expect(theirs.id).not.toBe(first.id);
    // The checks come before the key: an invalid or forbidden launch neither uses it nor answers the first job.
    await expect(launchJobIdempotently(person, 'ping', { message: 'x'.repeat(201) }, api, { idempotencyKey: key })).rejects.toBeInstanceOf(ValidationError);
    await expect(launchJobIdempotently(person, 'prune-history', {}, api, { idempotencyKey: key })).rejects.toBeInstanceOf(ForbiddenError);
    const rows = await getDb().select({ id: jobs.id, origin: jobs.origin }).from(jobs).where(eq(jobs.idempotencyKey, key));
    expect(rows.sort((a, b) => a.id - b.id)).toEqual([
      { id: first.id, origin: 'api' },
      { id: theirs.id, origin: 'api' },
    ]);
  });

  it('launch once when twenty requests with one key arrive together', async () => {
    const person = await createTestUser('user', 'idem-race');
    const key = crypto.randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => launchJobIdempotently(person, 'ping', {}, api, { idempotencyKey: key })));
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    const [entries] = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from graphile_worker.jobs where key = ${`job:${results[0]!.id}`}`);
    expect(entries!.n).toBeLessThanOrEqual(1);
    const audits = await getDb().select().from(auditEvents).where(and(eq(auditEvents.action, 'job.launch'), eq(auditEvents.actorId, person.id)));
    expect(audits).toHaveLength(1);
  });
});
