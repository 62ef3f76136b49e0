import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import type { DbHandle } from '@/db/client';
import { hostileText, numbersAsText, oneUnit } from '@/test/hostile-values';
import { actionStateOf, textOf } from './html';

/**
 * Helpers of e2e/fuzz.spec.ts (issue 8, "Bad input"): hostile values, requests sent byte for byte as
 * a browser without JavaScript (or a script) would, what a response says, a fingerprint of every
 * table a request could change, and the harness that throws generated inputs at one target and
 * counts what came back.
 */

// ---------------------------------------------------------------------------------------------
// Hostile values

/** A file part where the form has a text field. */
export interface FileValue {
  file: string;
  filename: string;
  type: string;
}
export type FieldValue = string | FileValue;
export type Fields = [string, FieldValue][];

export const fileValue: fc.Arbitrary<FileValue> = fc.record({
  file: fc.oneof(hostileText, fc.constant('')),
  filename: fc.oneof(fc.constantFrom('a.txt', '../../etc/passwd', 'x".csv', 'é.png', ''), fc.string({ unit: oneUnit, maxLength: 20 })),
  type: fc.constantFrom('text/plain', 'application/octet-stream', 'image/png', 'application/json', ''),
});

/** What may come in a text field: any text, sometimes a file. */
export const hostileValue: fc.Arbitrary<FieldValue> = fc.oneof({ arbitrary: hostileText, weight: 9 }, { arbitrary: fileValue, weight: 1 });

/** Fields a form does not have (never a server action's own `$ACTION_…` fields, nor any of `known`). */
export const unknownFields = (known: readonly string[]): fc.Arbitrary<Fields> =>
  fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom('__proto__', 'constructor', 'id', 'role', 'ownerId', 'admin', 'viewer', 'x[]', 'a.b.c', '0', ''), fc.string({ unit: oneUnit, maxLength: 20 })).filter(
        (name) => !name.startsWith('$ACTION') && !known.includes(name),
      ),
      hostileValue,
    ),
    { maxLength: 3 },
  );

/** What `z.coerce.number().int().positive().max(MAX_SAFE_INTEGER)` takes (`Number()` of the value). */
export function isPositiveId(value: FieldValue | null): boolean {
  const number = Number(typeof value === 'string' ? value : value === null ? null : NaN);
  return Number.isInteger(number) && number > 0 && number <= Number.MAX_SAFE_INTEGER;
}

export const malformedId: fc.Arbitrary<FieldValue> = fc
  .oneof(hostileValue, numbersAsText, fc.constantFrom('', ' ', '0', '-1', '1.5', 'abc', '1e400', `${Number.MAX_SAFE_INTEGER + 2}`, 'NaN', '1 2', '0x', '١'))
  .filter((value) => !isPositiveId(value));

/** An id no row has: well-formed, in spellings that `Number()` reads. */
export const missingId: fc.Arbitrary<string> = fc.integer({ min: 1_000_000_000, max: 2 ** 45 }).chain((id) => idSpelling(id));

/** The same id in spellings `Number()` reads the same way. */
export const idSpelling = (id: number): fc.Arbitrary<string> => fc.constantFrom(String(id), ` ${id} `, `+${id}`, `0${id}`, `${id}.0`, `${id}e0`, `0x${id.toString(16)}`);

// ---------------------------------------------------------------------------------------------
// Requests, byte for byte

/**
 * Text as bytes the way JavaScript strings go to WTF-8: what UTF-8 would be, except that a lone
 * surrogate becomes its three bytes (invalid UTF-8, which no browser sends, but anyone can).
 */
export function wtf8(text: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    let point = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      index++;
    }
    if (point < 0x80) bytes.push(point);
    else if (point < 0x800) bytes.push(0xc0 | (point >> 6), 0x80 | (point & 0x3f));
    else if (point < 0x10000) bytes.push(0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
    else bytes.push(0xf0 | (point >> 18), 0x80 | ((point >> 12) & 0x3f), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
  }
  return Buffer.from(bytes);
}

/** Percent-encoding of the WTF-8 bytes (`encodeURIComponent` refuses lone surrogates). */
export function percentEncode(text: string): string {
  return [...wtf8(text)].map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A multipart/form-data body as a browser writes it (names escaped as the HTML standard says). */
export function multipart(fields: Fields): { body: Buffer; contentType: string } {
  const boundary = `----fuzz${crypto.randomBytes(16).toString('hex')}`;
  const escape = (text: string) => text.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    if (typeof value === 'string') {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="`), wtf8(escape(name)), Buffer.from('"\r\n\r\n'), wtf8(value), Buffer.from('\r\n'));
    } else {
      parts.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="`),
        wtf8(escape(name)),
        Buffer.from('"; filename="'),
        wtf8(escape(value.filename)),
        Buffer.from(`"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`),
        wtf8(value.file),
        Buffer.from('\r\n'),
      );
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface Reply {
  status: number;
  location: string | null;
  contentType: string;
  setCookie: string[];
  text: string;
}

/** Requests to the console under test, as a script sends them: no redirects followed, nothing compressed. */
export class Http {
  constructor(readonly baseURL: string) {}

  async send(path: string, init: { method?: string; cookie?: string; headers?: Record<string, string>; body?: Buffer; contentType?: string; readBody?: boolean }): Promise<Reply> {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...init.headers };
    if (init.cookie) headers.cookie = init.cookie;
    if (init.contentType) headers['content-type'] = init.contentType;
    const abort = new AbortController();
    const response = await fetch(`${this.baseURL}${path}`, { method: init.method ?? 'GET', headers, body: init.body ? new Uint8Array(init.body) : undefined, redirect: 'manual', signal: abort.signal });
    let text = '';
    if (init.readBody === false) abort.abort();
    else text = await response.text();
    return {
      status: response.status,
      location: response.headers.get('location'),
      contentType: response.headers.get('content-type') ?? '',
      setCookie: response.headers.getSetCookie(),
      text,
    };
  }

  /** Posts `fields` to `path` as a form, with this site's Origin (what the proxy lets through). */
  postForm(path: string, fields: Fields, options: { cookie?: string; encoding?: 'multipart' | 'urlencoded'; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers = { origin: this.baseURL, ...options.headers };
    if (options.encoding === 'urlencoded') {
      const body = fields.map(([name, value]) => `${percentEncode(name)}=${percentEncode(typeof value === 'string' ? value : value.file)}`).join('&');
      return this.send(path, { method: 'POST', cookie: options.cookie, headers, body: Buffer.from(body), contentType: 'application/x-www-form-urlencoded' });
    }
    const { body, contentType } = multipart(fields);
    return this.send(path, { method: 'POST', cookie: options.cookie, headers, body, contentType });
  }
}

// ---------------------------------------------------------------------------------------------
// What a response says

/** The refusal a state carries (`error` or `formError`), or null when it carries none. */
export function refusalOf(state: unknown): string | null {
  if (state === null || typeof state !== 'object') return null;
  const { error, formError } = state as { error?: unknown; formError?: unknown };
  const message = error ?? formError;
  return typeof message === 'string' && message.trim() !== '' ? message : null;
}

/**
 * Problems with a page re-rendered after a refused server action: it must be a page (200), carry
 * the action's refusal and no notice of success, and show the refusal on the page unless
 * `shown: false` (the form is not on the page the viewer posted to).
 */
export function refusedOnPage(reply: Reply, options: { shown?: boolean; message?: RegExp } = {}): string[] {
  if (reply.status !== 200) return [`status ${reply.status} (expected the page again, 200)${reply.location ? ` to ${reply.location}` : ''}`];
  const state = actionStateOf(reply.text);
  const refusal = refusalOf(state);
  if (refusal === null) return [`no refusal in the action's state: ${JSON.stringify(state)?.slice(0, 300)}`];
  const problems: string[] = [];
  if ((state as { notice?: unknown }).notice !== undefined) problems.push(`a notice beside the refusal: ${JSON.stringify(state).slice(0, 300)}`);
  if (options.message && !options.message.test(refusal)) problems.push(`the refusal ${JSON.stringify(refusal)} does not match ${options.message}`);
  if (options.shown !== false && !textOf(reply.text).includes(refusal.replace(/\s+/g, ' ').trim())) problems.push(`the refusal ${JSON.stringify(refusal)} is not on the page`);
  return problems;
}

/** Problems with a route handler's refusal: the status, and a JSON body `{ error: { code, message } }`. */
export function refusedAsJson(reply: Reply, statuses: number[], codes: string[]): string[] {
  const problems: string[] = [];
  if (!statuses.includes(reply.status)) problems.push(`status ${reply.status} (expected ${statuses.join(' or ')})`);
  if (!reply.contentType.startsWith('application/json')) return [...problems, `content type ${reply.contentType}: ${reply.text.slice(0, 200)}`];
  try {
    const body = JSON.parse(reply.text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code !== 'string' || !codes.includes(body.error.code)) problems.push(`error code ${JSON.stringify(body.error?.code)} (expected ${codes.join(' or ')})`);
    if (typeof body.error?.message !== 'string' || body.error.message.trim() === '') problems.push('no error message');
  } catch {
    problems.push(`not JSON: ${reply.text.slice(0, 200)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// What a request could change

/** The parts of the fingerprint that sign-in attempts change, by design. */
export const signInParts = ['sign_in_audit', 'sign_in_limits'];

/**
 * A fingerprint of everything a request could change: row counts, the newest ids of the append-only
 * tables, and md5s over the rows of the others. Jobs that were still running or waiting when the
 * watch began (other specs' work, which the worker moves on) are left out, as are runs of other
 * specs' schedules; jobs created since are counted, whoever created them.
 */
export class DatabaseWatch {
  private constructor(
    private readonly database: DbHandle,
    private readonly query: ReturnType<typeof sql.raw>,
  ) {}

  static async start(database: DbHandle, keep: number[]): Promise<DatabaseWatch> {
    const active = await database.db.execute<{ id: string }>(sql`select id::text from jobs where status in ('scheduled', 'queued', 'retrying', 'running')`);
    const moving = active.map((row) => Number(row.id)).filter((id) => !keep.includes(id));
    const [tables] = await database.db.execute<{ secrets: boolean }>(sql`select to_regclass('public.job_secrets') is not null as secrets`);
    const secrets = tables?.secrets === true;
    const stable = (column: string) => `not (${column} = any('{${moving.join(',')}}'::bigint[]))`;
    const rows = (table: string, order: string) => `(select count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\\n' order by ${order}), '')) from ${table} t)`;
    const parts: Record<string, string> = {
      jobs: `(select count(*) || ' ' || md5(coalesce(string_agg(concat_ws('|', id, task, title, status, priority, queue, payload::text, owner_id, os_user, progress, attempts,
               max_attempts, run_at, started_at, finished_at, message, error, cancel_requested_at, cancel_requested_by, cleared_at, cleared_by, retry_of, schedule_id,
               updated_at, event_id), E'\\n' order by id), '')) from jobs where ${stable('id')} and origin <> 'schedule')`,
      job_logs: `(select count(*) || ' ' || coalesce(max(id), 0) from job_logs where ${stable('job_id')})`,
      job_artifacts: `(select count(*) || ' ' || coalesce(max(id), 0) from job_artifacts where ${stable('job_id')})`,
      queue_entries: `(select count(*) || ' ' || md5(coalesce(string_agg(concat_ws('|', q.key, q.run_at, q.priority, q.attempts, q.locked_at, q.flags::text), E'\\n' order by q.key), ''))
               from graphile_worker._private_jobs q join jobs j on q.key = 'job:' || j.id where ${stable('j.id')} and j.origin <> 'schedule')`,
      audit_events: `(select count(*) || ' ' || coalesce(max(id), 0) from audit_events where action not in ('auth.sign_in_failed', 'auth.sign_in_refused') and origin <> 'schedule')`,
      sign_in_audit: `(select count(*) || ' ' || coalesce(max(id), 0) from audit_events where action in ('auth.sign_in_failed', 'auth.sign_in_refused'))`,
      sign_in_limits: rows('sign_in_limits', 't.key'),
      users: rows('users', 't.id'),
      revoked_sessions: rows('revoked_sessions', 't.session_id'),
      queue_pauses: rows('queue_pauses', 't.queue'),
      task_settings: rows('task_settings', 't.task'),
      console_settings: rows('console_settings', 't.key'),
      schedules: `(select count(*) || ' ' || md5(coalesce(string_agg(concat_ws('|', id, task, payload::text, priority, first_run_at, repeat_every, repeat_unit, active, owner_id),
               E'\\n' order by id), '')) from schedules)`,
    };
    const [withTokens] = await database.db.execute<{ tokens: boolean }>(sql`select to_regclass('public.api_tokens') is not null as tokens`);
    // A token's use is noted in last_used_at, by design: the rest of the row must not change.
    if (withTokens?.tokens) parts.api_tokens = `(select count(*) || ' ' || md5(coalesce(string_agg(concat_ws('|', id, user_id, name, prefix, token_hash, revoked_at), E'\\n' order by id), '')) from api_tokens)`;
    if (secrets) parts.job_secrets = `(select count(*) || '' from job_secrets where ${stable('job_id')})`;
    const query = sql.raw(`select json_build_object(${Object.entries(parts).map(([name, part]) => `'${name}', ${part}`).join(',\n')}) as state`);
    return new DatabaseWatch(database, query);
  }

  async read(): Promise<Record<string, string>> {
    const [row] = await this.database.db.execute<{ state: Record<string, string> }>(this.query);
    return row!.state;
  }
}

/** The parts of the fingerprint that differ, `ignoring` some. */
export function changedParts(before: Record<string, string>, after: Record<string, string>, ignoring: readonly string[] = []): string[] {
  return Object.keys(after).filter((part) => !ignoring.includes(part) && after[part] !== before[part]);
}

// ---------------------------------------------------------------------------------------------
// The harness

export interface Tally {
  target: string;
  inputs: number;
  fiveHundreds: number;
  /** 5xx answered by Next.js/React to a hand-made server-action envelope, before any of the app's code (see `frameworkOnly`). */
  framework5xx?: number;
  stateChanges: number;
  seconds: number;
}

/**
 * One line per target, in the order they ran, for the summary table. Kept in a file of this run
 * (its port), because Playwright starts a new worker, with fresh modules, after a failed test.
 */
const talliesFile = () => path.join(os.tmpdir(), `jobs-console-fuzz-${process.env.E2E_PORT}.json`);

function saveTally(tally: Tally): void {
  const saved = readTallies().filter((line) => line.target !== tally.target);
  fs.writeFileSync(talliesFile(), JSON.stringify([...saved, tally]));
}

function readTallies(): Tally[] {
  try {
    return JSON.parse(fs.readFileSync(talliesFile(), 'utf8')) as Tally[];
  } catch {
    return [];
  }
}

export interface Outcome {
  status: number;
  /** What is wrong with the answer; empty when it is what a refusal must be. */
  problems: string[];
}

/** Short enough to read in a report: long strings cut in the middle. */
export function brief(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' && item.length > 120 ? `${item.slice(0, 60)}…(${item.length} chars)…${item.slice(-30)}` : item));
}

/**
 * Throws `runs` generated inputs at a target, `parallel` at a time, and checks each answer with
 * `send` (no 5xx, a clear refusal) and the database after each batch: no part of the fingerprint
 * may change but `ignoring`. fast-check shrinks a failing batch; the error names the inputs and
 * what was wrong with each answer.
 */
export async function fuzzTarget<T>(options: {
  target: string;
  inputs: fc.Arbitrary<T>;
  send: (input: T) => Promise<Outcome>;
  watch: DatabaseWatch;
  runs?: number;
  parallel?: number;
  ignoring?: readonly string[];
  /** More checks once a batch is answered (what the ignored parts may have gained, say). */
  afterBatch?: (batch: T[]) => Promise<string[]>;
  /**
   * Inputs that Next.js/React decode before any of the app's code runs (a server action's wire
   * format, hand-made): a 5xx to one of them is counted apart, not failed; a state change still fails.
   */
  frameworkOnly?: (input: T) => boolean;
}): Promise<Tally> {
  const { runs = 1000, parallel = 4, ignoring = [] } = options;
  const tally: Tally = { target: options.target, inputs: 0, fiveHundreds: 0, framework5xx: 0, stateChanges: 0, seconds: 0 };
  const started = performance.now();
  let state = await options.watch.read();
  try {
    const details = await fc.check(
      fc.asyncProperty(fc.array(options.inputs, { minLength: parallel, maxLength: parallel }), async (batch) => {
        const before = state;
        const outcomes = await Promise.all(
          batch.map((input) =>
            options.send(input).catch((error: unknown): Outcome => ({ status: 0, problems: [`the request failed: ${error instanceof Error ? error.message : String(error)}`] })),
          ),
        );
        const more = (await options.afterBatch?.(batch)) ?? [];
        state = await options.watch.read();
        const changed = changedParts(before, state, ignoring);
        tally.inputs += batch.length;
        const framework = (index: number) => options.frameworkOnly?.(batch[index]!) ?? false;
        tally.fiveHundreds += outcomes.filter((outcome, index) => outcome.status >= 500 && !framework(index)).length;
        tally.framework5xx! += outcomes.filter((outcome, index) => outcome.status >= 500 && framework(index)).length;
        if (changed.length > 0) tally.stateChanges++;
        const wrong = outcomes
          .map((outcome, index) => ({ outcome, index }))
          .filter(({ outcome, index }) => (outcome.status >= 500 && !framework(index)) || outcome.problems.length > 0)
          .map(({ outcome, index }) => `input ${index + 1}: ${brief(batch[index])}\n    answered ${outcome.status}: ${[outcome.status >= 500 ? '5xx' : null, ...outcome.problems].filter(Boolean).join('; ')}`);
        wrong.push(...more);
        if (changed.length > 0) wrong.push(`the database changed (${changed.join(', ')}) after the batch ${brief(batch)}`);
        if (wrong.length > 0) throw new Error(wrong.join('\n  '));
      }),
      { numRuns: Math.ceil(runs / parallel) },
    );
    if (details.failed) {
      // Our own report: fast-check's repeats the counterexample whole, and generated strings can be 100 kB.
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        `${options.target}: a batch failed after ${details.numRuns} batches (${details.numShrinks} shrinks; replay with seed ${details.seed}, path "${details.counterexamplePath}").\n  ${cause}`,
      );
    }
  } finally {
    tally.seconds = (performance.now() - started) / 1000;
    saveTally(tally);
  }
  return tally;
}

/** The summary table (Markdown), for the log. */
export function summaryTable(): string {
  const tallies = readTallies();
  const lines = tallies.map(
    (tally) => `| ${tally.target} | ${tally.inputs.toLocaleString('en-US')} | ${tally.fiveHundreds} | ${tally.framework5xx ?? 0} | ${tally.stateChanges} | ${tally.seconds.toFixed(1)} |`,
  );
  const total = tallies.reduce(
    (sum, tally) => ({
      inputs: sum.inputs + tally.inputs,
      fiveHundreds: sum.fiveHundreds + tally.fiveHundreds,
      framework5xx: sum.framework5xx + (tally.framework5xx ?? 0),
      stateChanges: sum.stateChanges + tally.stateChanges,
      seconds: sum.seconds + tally.seconds,
    }),
    { inputs: 0, fiveHundreds: 0, framework5xx: 0, stateChanges: 0, seconds: 0 },
  );
  return [
    '| target | inputs | 5xx from the app | 5xx from Next.js/React decoding a hand-made action envelope | state changes (batches of 4) | seconds |',
    '|---|---:|---:|---:|---:|---:|',
    ...lines,
    `| total | ${total.inputs.toLocaleString('en-US')} | ${total.fiveHundreds} | ${total.framework5xx} | ${total.stateChanges} | ${total.seconds.toFixed(1)} |`,
  ].join('\n');
}
