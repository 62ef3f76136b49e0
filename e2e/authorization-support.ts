import { sql } from 'drizzle-orm';
import type { APIResponse } from '@playwright/test';
import type { DbHandle } from '@/db/client';
import { textOf } from './html';

/**
 * Helpers of e2e/authorization.spec.ts: reading what a response says (a page's heading, a server
 * action's answer, an event stream's first bytes), the fingerprint of what an action could change,
 * and the matrix printed as a table.
 */

/**
 * The text of the page's first `<h1>`, or null. A page that called `notFound()` comes as Next.js's
 * error shell (`<html id="__next_error__">`, an empty body) with the not-found page in the React
 * Server Components payload only, for the browser to render: the heading is read from there.
 */
export function firstHeading(html: string): string | null {
  const match = /<h1[^>]*>(.*?)<\/h1>/s.exec(html);
  if (match) return textOf(match[1]!);
  const payload = [...html.matchAll(/self\.__next_f\.push\((\[1,".*?"\])\)<\/script>/gs)].map((chunk) => (JSON.parse(chunk[1]!) as [number, string])[1]).join('');
  const heading = /\["\$","h1",null,\{.*?"children":("(?:[^"\\]|\\.)*"|\d+)/s.exec(payload);
  return heading ? String(JSON.parse(heading[1]!)) : null;
}

/** The text of the first element carrying `attribute` (e.g. `data-testid="bulk-preview"`), or null. */
export function textOfElement(html: string, attribute: string): string | null {
  const match = new RegExp(`<(\\w+)[^>]*${attribute.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^>]*>(.*?)</\\1>`, 's').exec(html);
  return match ? textOf(match[2]!) : null;
}

/** The message of an action's state: its error, form error or notice. */
export function messageOf(state: unknown): string | null {
  if (state === null || typeof state !== 'object') return null;
  const { error, formError, notice } = state as { error?: unknown; formError?: unknown; notice?: unknown };
  const message = error ?? formError ?? notice;
  return typeof message === 'string' ? message : null;
}

/** A JSON error body as the API sends it, compact, or the status and content type of anything else. */
export async function describeApiResponse(response: APIResponse): Promise<string> {
  const type = response.headers()['content-type'] ?? '';
  if (type.startsWith('application/json')) return `${response.status()} ${JSON.stringify(await response.json())}`;
  const disposition = (response.headers()['content-disposition'] ?? '').split(';')[0];
  return `${response.status()} ${type}${disposition ? ` ${disposition}` : ''}`;
}

/**
 * The first bytes of an event stream: what comes before `event: ready` (the replay), read with the
 * given cookies, then the connection is dropped. Anything but a stream is read whole.
 */
export async function readEventStreamStart(url: string, headers: Record<string, string>): Promise<{ status: number; type: string; text: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal, redirect: 'manual' });
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream') || !response.body) return { status: response.status, type, text: await response.text() };
    const decoder = new TextDecoder();
    let text = '';
    const reader = response.body.getReader();
    while (!text.includes('event: ready\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    abort.abort();
    return { status: response.status, type, text };
  } finally {
    clearTimeout(timer);
  }
}

/** The job ids an event stream's text carries in its `job` events. */
export function jobIdsInEvents(text: string): Set<number> {
  const ids = new Set<number>();
  for (const match of text.matchAll(/^event: job\ndata: (.*)$/gm)) ids.add((JSON.parse(match[1]!) as { id: number }).id);
  return ids;
}

/** Everything a server action of this console could change, for the jobs it is tried on. */
export interface Fingerprint {
  /** Per job id: what an action on it changes. */
  jobs: Record<string, { status: string; priority: string; message: string | null; clearedAt: string | null; cancelRequestedAt: string | null; logs: number; line: unknown }>;
  jobCount: number;
  newestJobId: number;
  pauses: unknown;
  tasks: unknown;
  schedules: unknown;
  settings: unknown;
  lastAuditId: number;
}

export async function fingerprint(database: DbHandle, jobIds: number[]): Promise<Fingerprint> {
  const ids = `{${jobIds.join(',')}}`;
  const [row] = await database.db.execute<{
    jobs: Fingerprint['jobs'];
    job_count: string;
    newest_job_id: string;
    pauses: unknown;
    tasks: unknown;
    schedules: unknown;
    settings: unknown;
    last_audit_id: string;
  }>(sql`
    select
      (select coalesce(json_object_agg(j.id, json_build_object(
          'status', j.status, 'priority', j.priority, 'message', j.message, 'clearedAt', j.cleared_at,
          'cancelRequestedAt', j.cancel_requested_at,
          'logs', (select count(*) from job_logs l where l.job_id = j.id),
          'line', (select json_build_object('priority', q.priority, 'runAt', q.run_at, 'locked', q.locked_at is not null)
                   from graphile_worker.jobs q where q.key = 'job:' || j.id))), '{}')
        from jobs j where j.id = any(${ids}::bigint[])) as jobs,
      (select count(*) from jobs)::text as job_count,
      (select coalesce(max(id), 0) from jobs)::text as newest_job_id,
      (select coalesce(json_agg(p order by p.queue), '[]') from queue_pauses p) as pauses,
      (select coalesce(json_agg(t order by t.task), '[]') from task_settings t) as tasks,
      (select coalesce(json_agg(s order by s.id), '[]') from schedules s) as schedules,
      (select coalesce(json_agg(c order by c.key), '[]') from console_settings c) as settings,
      (select coalesce(max(id), 0) from audit_events)::text as last_audit_id`);
  return {
    jobs: row!.jobs,
    jobCount: Number(row!.job_count),
    newestJobId: Number(row!.newest_job_id),
    pauses: row!.pauses,
    tasks: row!.tasks,
    schedules: row!.schedules,
    settings: row!.settings,
    lastAuditId: Number(row!.last_audit_id),
  };
}

/**
 * Waits until the jobs created after `newestJobId` (by the action just tried) have ended, so that
 * whatever they write lands before the next fingerprint, on the cell that caused it.
 */
export async function settleJobsAfter(database: DbHandle, newestJobId: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [row] = await database.db.execute<{ active: number }>(
      sql`select count(*)::int as active from jobs where id > ${newestJobId} and status in ('scheduled', 'queued', 'retrying', 'running')`,
    );
    if (row!.active === 0) return;
    if (Date.now() > deadline) throw new Error(`Jobs created after ${newestJobId} are still active after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Audit actions that record a read or a sign-in (an export's row is written when its download
 * ends, possibly after the read phase): not changes an action makes.
 */
const recordsOfReads = ['jobs.export', 'audit.export', 'auth.sign_in', 'auth.sign_in_refused'];

/**
 * What changed between two fingerprints, in words: `nothing`, or e.g. `jobs+1, A·fail, audit:job.retry`.
 * `labels` names the jobs (id → label).
 */
export async function changesBetween(database: DbHandle, before: Fingerprint, after: Fingerprint, labels: Map<number, string>): Promise<string> {
  const parts: string[] = [];
  if (after.jobCount !== before.jobCount) parts.push(`jobs${after.jobCount > before.jobCount ? '+' : ''}${after.jobCount - before.jobCount}`);
  for (const [id, label] of labels) {
    const was = before.jobs[id];
    const now = after.jobs[id];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    if (!was || !now) {
      parts.push(`${label} ${now ? 'appeared' : 'gone'}`);
      continue;
    }
    const details = [
      now.status !== was.status ? `→${now.status}` : '',
      now.priority !== was.priority ? ` priority→${now.priority}` : '',
      now.clearedAt !== null && was.clearedAt === null ? ' cleared' : '',
    ].join('');
    parts.push(`${label}${details}`);
  }
  for (const key of ['pauses', 'tasks', 'schedules', 'settings'] as const) {
    if (JSON.stringify(after[key]) !== JSON.stringify(before[key])) parts.push(key);
  }
  const audited = await database.db.execute<{ action: string }>(
    sql`select action from audit_events where id > ${before.lastAuditId} and id <= ${after.lastAuditId} order by id`,
  );
  for (const { action } of audited) if (!recordsOfReads.includes(action)) parts.push(`audit:${action}`);
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/** Runs `work` for each item, at most `parallel` at a time. */
export async function inParallel<T>(items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** One row of the printed matrix: a target, its columns (objects), and per subject each cell's code. */
export interface PrintedRow {
  target: string;
  objects: string[];
  subjects: string[];
  /** Per subject, per object: the expected code, and the actual result when it differs. */
  cells: Record<string, { code: string; wrong?: string }[]>;
  legend: Record<string, string>;
}

/** The matrix as text: per target, a grid of codes (subjects × objects) and what each code means. */
export function formatMatrix(rows: PrintedRow[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    lines.push('', row.target);
    const subjectWidth = Math.max(...row.subjects.map((subject) => subject.length));
    const widths = row.objects.map((object, column) =>
      Math.max(object.length, ...row.subjects.map((subject) => row.cells[subject]![column]!.code.length + (row.cells[subject]![column]!.wrong ? 1 : 0))),
    );
    lines.push(`  ${''.padEnd(subjectWidth)} | ${row.objects.map((object, column) => object.padEnd(widths[column]!)).join(' | ')}`);
    for (const subject of row.subjects) {
      const cells = row.cells[subject]!.map((cell, column) => `${cell.code}${cell.wrong ? '!' : ''}`.padEnd(widths[column]!));
      lines.push(`  ${subject.padEnd(subjectWidth)} | ${cells.join(' | ')}`);
    }
    for (const [code, meaning] of Object.entries(row.legend)) lines.push(`    ${code} = ${meaning}`);
    for (const subject of row.subjects) {
      row.cells[subject]!.forEach((cell, column) => {
        if (cell.wrong) lines.push(`    ! ${subject} × ${row.objects[column]}: expected ${cell.code} = ${row.legend[cell.code]}; got ${cell.wrong}`);
      });
    }
  }
  return lines.join('\n');
}
