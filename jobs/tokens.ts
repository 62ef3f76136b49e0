import crypto from 'node:crypto';
import { and, count, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '@/db/client';
import { apiTokens, users } from '@/db/schema';
import { recordAudit, type ActionSource } from './audit';
import { NotFoundError, ValidationError } from './errors';
import type { PersonViewer } from './viewer';

/**
 * Personal API tokens: a person creates, names, lists and revokes their own. A token is shown once,
 * when it is made; only its SHA-256 is kept. It acts as its owner with the owner's role of the
 * moment, and stops working when revoked or when the account is disabled.
 */

/** Every token starts so, which lets secret scanners and people recognise one. */
const TOKEN_PREFIX = 'jc_';
/** 32 random bytes, base64url: 43 characters. */
const tokenPattern = /^jc_[A-Za-z0-9_-]{43}$/;
/** How many characters of a token the list shows (the prefix and 6 more). */
const SHOWN_CHARACTERS = TOKEN_PREFIX.length + 6;
/** The most tokens a person has in use at once. */
export const MAX_TOKENS_PER_PERSON = 25;
/** `last_used_at` is written at most this often, so a busy script does not write on every request. */
const LAST_USED_PRECISION_SECONDS = 60;

export const tokenNameSchema = z
  .string({ error: 'Give the token a name' })
  .trim()
  .min(1, 'Give the token a name')
  .max(100, 'The name must be at most 100 characters')
  .refine((name) => !/\p{Cc}/u.test(name), 'The name must not contain control characters');

const tokenIdSchema = z.uuid();

function hashToken(token: string): Buffer {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

export interface TokenSummary {
  id: string;
  name: string;
  /** The token's first characters, followed by an ellipsis. */
  shown: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * Creates a token for the viewer and records it on the audit trail. Returns the token itself, which
 * is never readable again, and its summary.
 */
export async function createApiToken(
  db: DbOrTx,
  viewer: PersonViewer,
  input: { name: unknown },
  source: ActionSource,
): Promise<{ token: string; summary: TokenSummary }> {
  const name = tokenNameSchema.safeParse(input.name);
  if (!name.success) throw new ValidationError('The token could not be created.', { name: name.error.issues.map((issue) => issue.message) });
  const token = `${TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
  return db.transaction(async (tx) => {
    // Serialises one person's creations, so two at once cannot both pass the count.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('api_tokens:' || ${viewer.id}))`);
    const [inUse] = await tx
      .select({ n: count() })
      .from(apiTokens)
      .where(and(eq(apiTokens.userId, viewer.id), isNull(apiTokens.revokedAt)));
    if ((inUse?.n ?? 0) >= MAX_TOKENS_PER_PERSON) {
      throw new ValidationError(`You have ${MAX_TOKENS_PER_PERSON} tokens in use, the most there can be: revoke one first.`, {
        name: [`At most ${MAX_TOKENS_PER_PERSON} tokens in use`],
      });
    }
    const [row] = await tx
      .insert(apiTokens)
      .values({ userId: viewer.id, name: name.data, prefix: token.slice(0, SHOWN_CHARACTERS), tokenHash: hashToken(token) })
      .returning();
    await recordAudit(tx, { viewer, action: 'token.create', source, details: { tokenId: row!.id, name: name.data } });
    return { token, summary: summaryOf(row!) };
  });
}

function summaryOf(row: typeof apiTokens.$inferSelect): TokenSummary {
  return { id: row.id, name: row.name, shown: `${row.prefix}…`, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, revokedAt: row.revokedAt };
}

/** The viewer's own tokens, newest first, revoked ones included (they say when). */
export async function listApiTokens(db: DbOrTx, viewer: PersonViewer): Promise<TokenSummary[]> {
  const rows = await db.select().from(apiTokens).where(eq(apiTokens.userId, viewer.id)).orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return rows.map(summaryOf);
}

/**
 * Revokes one of the viewer's tokens: it is refused from the next request on. Someone else's token
 * and a malformed id are not found, like a missing one. Revoking a revoked token changes nothing.
 */
export async function revokeApiToken(db: DbOrTx, viewer: PersonViewer, id: unknown, source: ActionSource): Promise<TokenSummary> {
  const parsed = tokenIdSchema.safeParse(id);
  if (!parsed.success) throw new NotFoundError('Token not found');
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, now())` })
      .where(and(eq(apiTokens.id, parsed.data), eq(apiTokens.userId, viewer.id)))
      .returning();
    if (!row) throw new NotFoundError('Token not found');
    await recordAudit(tx, { viewer, action: 'token.revoke', source, details: { tokenId: row.id, name: row.name } });
    return summaryOf(row);
  });
}

/** Whether a string has the shape of one of our tokens (checked before any lookup). */
export function looksLikeApiToken(value: string): boolean {
  return tokenPattern.test(value);
}

/**
 * The person a token acts for: null when the token is malformed, unknown or revoked, or its owner's
 * account is disabled. Notes when it was used, at most once a minute.
 */
export async function viewerForApiToken(db: DbOrTx, token: string): Promise<PersonViewer | null> {
  if (!looksLikeApiToken(token)) return null;
  const [row] = await db
    .select({ tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt, id: users.id, email: users.email, role: users.role })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt), isNull(users.disabledAt)));
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_PRECISION_SECONDS * 1000) {
    await db
      .update(apiTokens)
      .set({ lastUsedAt: sql`now()` })
      .where(
        and(
          eq(apiTokens.id, row.tokenId),
          or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - make_interval(secs => ${LAST_USED_PRECISION_SECONDS})`)),
        ),
      );
  }
  return { kind: 'person', id: row.id, email: row.email, role: row.role };
}
