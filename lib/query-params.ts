import { z } from 'zod';

/**
 * Pieces of the filter schemas that read a page's query parameters (the jobs page, the audit log):
 * an empty field means "not filtered".
 */

/** Optional text, trimmed, at most `max` characters; empty is undefined. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters`)
    // PostgreSQL text cannot hold a NUL, so a query with one would fail.
    .refine((value) => !value.includes('\0'), 'No NUL characters')
    .transform((value) => (value === '' ? undefined : value))
    .optional();

/** An optional day, YYYY-MM-DD; empty is undefined. */
export const optionalDay = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .pipe(z.iso.date({ error: 'Enter a date as YYYY-MM-DD' }).optional())
  .optional();

/** Text to match literally inside a LIKE pattern. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** The instants a day range covers: [from 00:00 UTC, the day after `to` 00:00 UTC). */
export function dayRange(from?: string, to?: string): { start?: Date; end?: Date } {
  return {
    start: from ? new Date(`${from}T00:00:00Z`) : undefined,
    end: to ? new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000) : undefined,
  };
}
