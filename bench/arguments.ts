import { z } from 'zod';

/**
 * `--name N` from the bench's command line (underscores and commas allowed in N), `fallback`
 * without it; out of [min, max] or not a whole number, it says so and exits with code 2.
 */
export function intArgument(name: string, fallback: number, min: number, max: number): number {
  const args = process.argv.slice(3);
  const index = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index === -1) return fallback;
  const raw = args[index]!.includes('=') ? args[index]!.slice(`--${name}=`.length) : args[index + 1];
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(raw?.replace(/[_,]/g, ''));
  if (!parsed.success) {
    const count = (value: number) => value.toLocaleString('en-US');
    console.error(`--${name} takes a whole number from ${count(min)} to ${count(max)} (got ${raw ?? 'nothing'}).`);
    process.exit(2);
  }
  return parsed.data;
}
