import { sql } from 'drizzle-orm';
import type { APIRequestContext, APIResponse } from '@playwright/test';
import {
  changesBetween,
  describeApiResponse,
  fingerprint,
  firstHeading,
  formatMatrix,
  inParallel,
  jobIdsInEvents,
  messageOf,
  readEventStreamStart,
  settleJobsAfter,
  textOfElement,
  type PrintedRow,
} from './authorization-support';
import { actionStateOf, hiddenFieldsOfForm } from './html';
import { expect, hiddenFormFields, test } from './support';

/**
 * The authorization matrix (issue 8): every page, route handler and server action, for anonymous,
 * user A, user B, an admin and an auditor, on A's jobs, B's jobs, CLI jobs, a missing job and
 * malformed ids. Each cell states the one answer the product promises (README: Accounts): someone
 * else's job answers exactly like a missing one, admins see and act on every job, auditors see
 * every job and change nothing, users see and act on their own jobs only, anonymous page requests
 * and form posts go to /login, anonymous API requests get 401. Every server action cell also
 * states what the action changed, from a fingerprint of the rows actions change taken before and
 * after it: a refused action must leave `nothing`. Then, apart from the written codes, a user's
 * answer on another user's job or a CLI job must equal their answer on a missing job.
 *
 * Server actions are posted as a browser without JavaScript posts them: the hidden fields of the
 * form (action id, bound arguments) harvested once from a page that shows it, the subject's
 * cookies, the object's id, an Origin of this site. Each is posted to a page that has the form
 * (Next.js runs an action only from a page whose bundle holds it); the status is that page's, the
 * answer is the state Next.js puts in the page for `useActionState`, or the redirect.
 *
 * The matrix is printed at the end: per target, subjects × objects as codes, and what each code
 * means; a `!` marks a cell whose answer differs, with what came instead.
 */

type Subject = 'anonymous' | 'A' | 'B' | 'admin' | 'auditor';
const SUBJECTS: Subject[] = ['anonymous', 'A', 'B', 'admin', 'auditor'];

/** Job ids that are not ids at all, as they appear in a URL (`%00` is a NUL); and an id no job has. */
const MALFORMED = ['abc', '-1', '0', '1.5', '99999999999999999999', '%00', '1;drop'];
const MISSING_ID = 999_999_999;

// The objects. Each action row uses the jobs in the state it applies to: `run` running (a
// long-running task that ignores graceful stop requests, so that every allowed stop answers the
// same), `fin` completed with a file (history-report), `wait` waiting in a paused queue, `fail` failed.
const READ_JOBS = ['A·run', 'A·fin', 'B·run', 'CLI·run', 'missing', ...MALFORMED];
const LISTED_JOBS = ['A·run', 'A·fin', 'B·run', 'CLI·run', 'missing'];
const RUNNING = ['A·run', 'B·run', 'CLI·run', 'missing', ...MALFORMED];
const WAITING = ['A·wait', 'B·wait', 'CLI·wait', 'missing', ...MALFORMED];
const FAILED = ['A·fail', 'B·fail', 'CLI·fail', 'missing', ...MALFORMED];
const FINISHED = ['A·fin', 'B·fin', 'CLI·fin', 'missing', ...MALFORMED];
const FILES = ['A·fin file', 'B·fin file', 'CLI·fin file', 'A file as B·fin', 'missing file', 'missing job', ...MALFORMED];
const SCHEDULES = ['S', 'missing'];
const NONE = ['—'];

/** The queue and task the admin actions are tried on; the waiting jobs (CSV import checks) wait in `imports`, paused. */
const QUEUE = 'maintenance';
const TASK = 'queue-maintenance';
const WAITING_QUEUE = 'imports';
const WAITING_TASK = 'csv-import-check';

interface Row {
  target: string;
  kind: 'read' | 'action';
  objects: string[];
  /** The column that holds a job nobody has, for the "someone else's = missing" check. */
  missing?: string;
  /** For an action row without objects: the order the subjects try it in, when it matters. */
  order?: Subject[];
  legend: Record<string, string>;
  /** Per subject, the expected code of each object's cell, in the order of `objects`. */
  expected: Record<Subject, string>;
  /** Reads: the result. Actions: the answer (status and message or redirect); the runner adds what changed. */
  run: (subject: Subject, object: string) => Promise<string>;
}

test('authorization matrix: every page, route and action × every kind of viewer and job', async ({ account, pageAs, cli, database, request, baseURL }) => {
  test.setTimeout(300_000);
  const started = Date.now();
  const base = baseURL!;
  const db = database.db;

  // ---- Subjects and objects. The command line's part starts at once, beside the sign-ins.
  const accounts = { A: await account('user', 'a'), B: await account('user', 'b'), admin: await account('admin'), auditor: await account('auditor') };
  const ids = new Map<string, number>();
  const labels = new Map<number, string>();
  const name = (label: string, id: number) => {
    ids.set(label, id);
    labels.set(id, label);
  };
  const baselineEventId = Number(
    (await db.execute<{ id: string }>(sql`select case when is_called then last_value else 0 end as id from job_event_seq`))[0]!.id,
  );
  const [newest] = await db.execute<{ id: string | null }>(sql`select max(id)::text as id from jobs`);
  expect(Number(newest?.id ?? 0)).toBeLessThan(MISSING_ID);
  const enqueue = async (task: string, args: Record<string, unknown> = {}) => Number(await cli('enqueue', task, '--args', JSON.stringify(args)));
  const longRunArgs = { durationSeconds: 3600, steps: 10, ignoreStopRequests: true };
  const waitingArgs = { csv: 'identifier,title\n1,First' };
  // The waiting jobs wait in a paused queue (resumed at the end).
  const prepared = cli('pause', WAITING_QUEUE);
  const cliJobs = Promise.all([
    enqueue('history-report'),
    enqueue('failing', { delaySeconds: 0 }),
    prepared.then(() => enqueue(WAITING_TASK, waitingArgs)),
    enqueue('long-running', longRunArgs),
  ]).then(([fin, fail, wait, run]) => ({ fin, fail, wait, run }));
  cliJobs.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled meanwhile

  const pages = await Promise.all((['A', 'B', 'admin', 'auditor'] as const).map((subject) => pageAs(accounts[subject])));
  const requests: Record<Subject, APIRequestContext> = { anonymous: request, A: pages[0]!.request, B: pages[1]!.request, admin: pages[2]!.request, auditor: pages[3]!.request };
  const cookieHeaders: Record<Subject, string> = { anonymous: '', A: '', B: '', admin: '', auditor: '' };
  for (const [index, subject] of (['A', 'B', 'admin', 'auditor'] as const).entries()) {
    cookieHeaders[subject] = (await pages[index]!.context().cookies()).map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  }

  const post = (subject: Subject, path: string, fields: [string, string][]) => {
    const form = new FormData();
    for (const [field, value] of fields) form.append(field, value);
    return requests[subject].post(path, { multipart: form, headers: { origin: base, connection: 'close' }, maxRedirects: 0 });
  };
  // A new connection each time: a kept-alive one that the server closes while idle is reset when reused.
  const get = (subject: Subject, path: string) => requests[subject].get(path, { maxRedirects: 0, headers: { connection: 'close' } });
  /** The hidden fields with some replaced (a field not among them is added), plus the visible ones. */
  const withFields = (hidden: [string, string][], fields: Record<string, string>): [string, string][] => [
    ...hidden.filter(([field]) => !(field in fields)),
    ...Object.entries(fields),
  ];
  const harvest = async (subject: Subject, path: string, find: (html: string) => [string, string][] | null) => {
    const html = await (await get(subject, path)).text();
    const fields = find(html);
    if (!fields) throw new Error(`No such form on ${path} as ${subject}`);
    return fields;
  };
  const launchAs = async (subject: 'A' | 'B', task: string, fields: Record<string, string>) => {
    const hidden = await harvest(subject, `/jobs/new/${task}`, (html) => hiddenFormFields(html, 'priority'));
    const response = await post(subject, `/jobs/new/${task}`, withFields(hidden, { ...fields, priority: '' }));
    const id = /\/jobs\/(\d+)$/.exec(response.headers()['location'] ?? '')?.[1];
    if (!id) throw new Error(`Launching ${task} as ${subject} answered ${response.status()}`);
    return Number(id);
  };
  const statusesOf = async (wanted: string[]) => {
    const rows = await db.execute<{ id: string; status: string }>(sql`select id, status from jobs where id = any(${`{${wanted.map((label) => ids.get(label)).join(',')}}`}::bigint[])`);
    return Object.fromEntries(rows.map((row) => [labels.get(Number(row.id))!, row.status]));
  };

  try {
    await prepared;
    await Promise.all(
      (['A', 'B'] as const).map(async (subject) => {
        const [fin, fail, wait, run] = await Promise.all([
          launchAs(subject, 'history-report', { from: '', to: '' }),
          launchAs(subject, 'failing', { delaySeconds: '0', attempts: '1' }),
          launchAs(subject, WAITING_TASK, { csv: waitingArgs.csv }),
          launchAs(subject, 'long-running', { durationSeconds: '3600', steps: '10', ignoreStopRequests: 'on' }),
        ]);
        name(`${subject}·fin`, fin);
        name(`${subject}·fail`, fail);
        name(`${subject}·wait`, wait);
        name(`${subject}·run`, run);
      }),
    );
    const fromCli = await cliJobs;
    name('CLI·fin', fromCli.fin);
    name('CLI·fail', fromCli.fail);
    name('CLI·wait', fromCli.wait);
    name('CLI·run', fromCli.run);
    const states = { fin: 'completed', fail: 'failed', wait: 'queued', run: 'running' };
    const wanted = Object.fromEntries([...ids.keys()].map((label) => [label, states[label.split('·')[1] as keyof typeof states]]));
    await expect.poll(() => statusesOf(Object.keys(wanted)), { timeout: 60_000, intervals: [200] }).toEqual(wanted);
    const objectIds = [...ids.values()];
    const [aFin, bFin, cliFin, aRun, aWait] = ['A·fin', 'B·fin', 'CLI·fin', 'A·run', 'A·wait'].map((label) => ids.get(label)!);
    const files = new Map(
      (await db.execute<{ job_id: string; id: string }>(sql`select job_id, id from job_artifacts where job_id in (${aFin}, ${bFin}, ${cliFin})`)).map((row) => [
        labels.get(Number(row.job_id))!,
        Number(row.id),
      ]),
    );
    expect([...files.keys()].sort()).toEqual(['A·fin', 'B·fin', 'CLI·fin']);
    const titles = new Map((await db.execute<{ id: string; title: string }>(sql`select id, title from jobs where id = any(${`{${objectIds.join(',')}}`}::bigint[])`)).map((row) => [labels.get(Number(row.id))!, row.title]));

    // ---- Forms, harvested once from a page that shows them.
    type FormSpec = [Subject, string, (html: string) => [string, string][] | null];
    const formSpecs = {
      control: ['A', `/jobs/${aRun}`, (html) => hiddenFormFields(html, 'jobId')],
      priority: ['admin', `/jobs/${aWait}`, (html) => hiddenFormFields(html, 'priority')],
      launchPing: ['A', '/jobs/new/ping', (html) => hiddenFormFields(html, 'priority')],
      launchPrune: ['admin', '/jobs/new/prune-history', (html) => hiddenFormFields(html, 'priority')],
      clearInactive: ['A', '/jobs', (html) => hiddenFormFields(html, 'tab')],
      bulkPreview: ['A', '/jobs', (html) => hiddenFieldsOfForm(html, 'id="bulk-actions"')],
      bulkRun: ['A', `/jobs/bulk?action=clear&ids=${aFin}`, (html) => hiddenFormFields(html, 'ids')],
      queue: ['admin', '/queues', (html) => hiddenFormFields(html, 'queue')],
      taskActive: ['admin', '/tasks', (html) => hiddenFieldsOfForm(html, `aria-label="Task ${TASK} active"`)],
      taskNote: ['admin', '/tasks', (html) => hiddenFormFields(html, 'note')],
      newSchedule: ['admin', '/schedules', (html) => hiddenFormFields(html, 'firstRunAt')],
      settings: ['admin', '/dashboard', (html) => hiddenFormFields(html, 'alerts.webhookUrl')],
    } satisfies Record<string, FormSpec>;
    const forms = Object.fromEntries(
      await Promise.all(Object.entries(formSpecs).map(async ([form, [subject, path, find]]: [string, FormSpec]) => [form, await harvest(subject, path, find)] as const)),
    ) as Record<keyof typeof formSpecs, [string, string][]>;
    const newScheduleFields = { task: 'ping', arguments: '', firstRunAt: '2099-01-01T00:00', repeatUnit: 'none', repeatEvery: '', priority: '' };
    const created = await post('admin', '/schedules', withFields(forms.newSchedule, newScheduleFields));
    const scheduleId = Number(/Schedule (\d+) created/.exec(messageOf(actionStateOf(await created.text())) ?? '')?.[1]);
    expect(scheduleId).toBeGreaterThan(0);
    const scheduleLabels = new Map([[scheduleId, 'S']]);
    const scheduleForm = await harvest('admin', '/schedules', (html) => hiddenFormFields(html, 'id'));

    // ---- What a response says, with ids named.
    const jobIdOf = (object: string) => (ids.has(object) ? String(ids.get(object)) : object === 'missing' ? String(MISSING_ID) : object);
    /** The value a form field gets for an object: a URL's `%00` is a NUL character in a form. */
    const fieldValueOf = (object: string) => decodeURIComponent(jobIdOf(object));
    const nameIds = (text: string) =>
      text
        .replace(/\b(Job|job) (\d+)\b/g, (whole, word: string, id: string) => (labels.has(Number(id)) ? `${word} ${labels.get(Number(id))}` : whole))
        .replace(/\bSchedule (\d+)\b/g, (whole, id: string) => (scheduleLabels.has(Number(id)) ? `Schedule ${scheduleLabels.get(Number(id))}` : 'Schedule #'));
    const where = (location: string) => {
      const url = new URL(location, base);
      if (url.pathname === '/login') return '/login';
      const path = url.pathname.replace(/^\/jobs\/(\d+)$/, (whole, id: string) => `/jobs/${labels.get(Number(id)) ?? ':new'}`);
      const query = url.search
        .replace(/([?&]ids=)(\d+)/g, (whole, key: string, id: string) => `${key}${labels.get(Number(id)) ?? id}`)
        .replace(/([?&]cleared=)\d+/, '$1n');
      let named = decodeURIComponent(query);
      for (const [who, { email }] of Object.entries(accounts)) named = named.replaceAll(email, `<${who}>`);
      return `${path}${named}`;
    };
    const answerOf = async (response: APIResponse) => {
      const status = response.status();
      if (status >= 300 && status < 400) return `${status} → ${where(response.headers()['location'] ?? '')}`;
      if ((response.headers()['content-type'] ?? '').startsWith('application/json')) return describeApiResponse(response);
      const message = messageOf(actionStateOf(await response.text()));
      return message === null ? `${status} (no answer)` : `${status} "${nameIds(message)}"`;
    };
    const pageResult = async (subject: Subject, path: string, jobTitle?: string) => {
      const response = await get(subject, path);
      if (response.status() >= 300 && response.status() < 400) return `${response.status()} → ${where(response.headers()['location'] ?? '')}`;
      const heading = firstHeading(await response.text());
      return `${response.status()} ${heading === '404' ? 'not found page' : heading !== null && heading === jobTitle ? 'job title' : heading}`;
    };
    /** The bulk preview page: how many jobs the action would touch, or why it is refused. */
    const bulkPreview = async (subject: Subject, query: string) => {
      const response = await get(subject, `/jobs/bulk?${query}`);
      if (response.status() !== 200) return `${response.status()} → ${where(response.headers()['location'] ?? '')}`;
      const html = await response.text();
      const preview = textOfElement(html, 'data-testid="bulk-preview"');
      if (preview !== null) return `200 touches ${preview.startsWith('None of') ? 0 : /(\d+) jobs? \(of/.exec(preview)?.[1]}`;
      return `200 refused "${textOfElement(html, 'role="alert"')}"`;
    };
    const listed = (found: boolean) => (found ? 'listed' : 'not listed');
    const streamResult = async (subject: Subject, query: string, headers: Record<string, string> = {}, object?: string) => {
      const { status, type, text } = await readEventStreamStart(`${base}/api/jobs/stream${query}`, { ...headers, ...(cookieHeaders[subject] ? { cookie: cookieHeaders[subject] } : {}) });
      if (!type.startsWith('text/event-stream')) return `${status} ${type.startsWith('application/json') ? JSON.stringify(JSON.parse(text)) : type}`;
      if (object !== undefined) return `${status} ${listed(jobIdsInEvents(text).has(Number(jobIdOf(object))))}`;
      return `${status} ${type} ${text.startsWith('retry: 1000\n\n') && text.includes('event: ready\n') ? 'retry…ready' : JSON.stringify(text.slice(0, 40))}`;
    };
    const filePath = (object: string) => {
      const file = (label: string) => files.get(label)!;
      switch (object) {
        case 'A·fin file':
          return `/api/jobs/${aFin}/artifacts/${file('A·fin')}`;
        case 'B·fin file':
          return `/api/jobs/${bFin}/artifacts/${file('B·fin')}`;
        case 'CLI·fin file':
          return `/api/jobs/${cliFin}/artifacts/${file('CLI·fin')}`;
        case 'A file as B·fin':
          return `/api/jobs/${bFin}/artifacts/${file('A·fin')}`;
        case 'missing file':
          return `/api/jobs/${aFin}/artifacts/${MISSING_ID}`;
        case 'missing job':
          return `/api/jobs/${MISSING_ID}/artifacts/${file('A·fin')}`;
        default:
          return `/api/jobs/${object}/artifacts/${file('A·fin')}`;
      }
    };
    const control = (action: string) => (subject: Subject, object: string) =>
      post(subject, '/jobs', withFields(forms.control, { jobId: fieldValueOf(object), action })).then(answerOf);
    const settingsFields = {
      'thresholds.queueLength.warning': '10',
      'thresholds.queueLength.critical': '50',
      'thresholds.waitMinutes.warning': '1',
      'thresholds.waitMinutes.critical': '5',
      'thresholds.ratePerMinute.warning': '10',
      'thresholds.ratePerMinute.critical': '5',
      'thresholds.failurePercent.warning': '1',
      'thresholds.failurePercent.critical': '5',
      'alerts.queueLength': '100',
      'alerts.failurePercent': '10',
      'alerts.stuckJobs': '5',
      'alerts.waitMinutes': '10',
      'alerts.webhookUrl': '',
    };
    const note = `Authorization matrix ${Date.now()}`;
    const scheduleIdOf = (object: string) => (object === 'S' ? String(scheduleId) : String(MISSING_ID));

    const IN = '307 → /login';
    const API_401 = '401 {"error":{"code":"unauthorized","message":"Sign in first."}}';
    // A form posted without a session is sent to sign in with 303, so that the browser follows with a GET: after
    // a 307 it posts the form again, to /login, which does not hold the action ("Server Action unavailable", 409).
    const ACTION_IN = '303 → /login | nothing';

    // ---- The matrix. Codes per subject, one per object column; the legend says what each code is.
    const rows: Row[] = [
      // Pages.
      {
        target: 'GET / (home)',
        kind: 'read',
        objects: NONE,
        legend: { in: IN, jobs: '307 → /jobs' },
        expected: { anonymous: 'in', A: 'jobs', B: 'jobs', admin: 'jobs', auditor: 'jobs' },
        run: (subject) => pageResult(subject, '/'),
      },
      {
        target: 'GET /jobs (page)',
        kind: 'read',
        objects: NONE,
        legend: { in: IN, own: '200 Your jobs', all: '200 All users’ jobs' },
        expected: { anonymous: 'in', A: 'own', B: 'own', admin: 'all', auditor: 'all' },
        run: (subject) => pageResult(subject, '/jobs'),
      },
      {
        target: 'GET /jobs/new (page)',
        kind: 'read',
        objects: NONE,
        legend: { in: IN, ok: '200 Launch a job' },
        expected: { anonymous: 'in', A: 'ok', B: 'ok', admin: 'ok', auditor: 'ok' },
        run: (subject) => pageResult(subject, '/jobs/new'),
      },
      {
        target: 'GET /jobs/new/ping (page, a task for users)',
        kind: 'read',
        objects: NONE,
        legend: { in: IN, ok: '200 Ping', nf: '404 not found page' },
        expected: { anonymous: 'in', A: 'ok', B: 'ok', admin: 'ok', auditor: 'nf' },
        run: (subject) => pageResult(subject, '/jobs/new/ping'),
      },
      {
        target: 'GET /jobs/new/prune-history (page, an admin task)',
        kind: 'read',
        objects: NONE,
        legend: { in: IN, ok: '200 Prune old history', nf: '404 not found page' },
        expected: { anonymous: 'in', A: 'nf', B: 'nf', admin: 'ok', auditor: 'nf' },
        run: (subject) => pageResult(subject, '/jobs/new/prune-history'),
      },
      {
        target: 'GET /jobs/bulk (page, no request)',
        kind: 'read',
        objects: NONE,
        legend: { in: IN, ok: '200 Bulk action' },
        expected: { anonymous: 'in', A: 'ok', B: 'ok', admin: 'ok', auditor: 'ok' },
        run: (subject) => pageResult(subject, '/jobs/bulk'),
      },
      ...(
        [
          ['/settings/tokens', 'API tokens'],
          ['/api-docs', 'Jobs console API'],
        ] as const
      ).map(
        ([path, heading]): Row => ({
          target: `GET ${path} (page, everyone's own)`,
          kind: 'read',
          objects: NONE,
          legend: { in: IN, ok: `200 ${heading}` },
          expected: { anonymous: 'in', A: 'ok', B: 'ok', admin: 'ok', auditor: 'ok' },
          run: (subject) => pageResult(subject, path),
        }),
      ),
      ...(
        [
          ['/queues', 'Queues'],
          ['/tasks', 'Tasks'],
          ['/schedules', 'Schedules'],
          ['/dashboard', 'Dashboard'],
        ] as const
      ).map(
        ([path, heading]): Row => ({
          target: `GET ${path} (page, admins)`,
          kind: 'read',
          objects: NONE,
          legend: { in: IN, ok: `200 ${heading}`, nf: '404 not found page' },
          expected: { anonymous: 'in', A: 'nf', B: 'nf', admin: 'ok', auditor: 'nf' },
          run: (subject) => pageResult(subject, path),
        }),
      ),
      {
        target: 'GET /audit (page, admins and auditors)',
        kind: 'read',
        objects: NONE,
        legend: { in: IN, ok: '200 Audit log', nf: '404 not found page' },
        expected: { anonymous: 'in', A: 'nf', B: 'nf', admin: 'ok', auditor: 'ok' },
        run: (subject) => pageResult(subject, '/audit'),
      },
      {
        target: 'GET /jobs/[id] (job details page)',
        kind: 'read',
        objects: READ_JOBS,
        legend: { in: IN, ok: '200 job title', nf: '404 Job not found' },
        expected: {
          anonymous: 'in in in in in  in in in in in in in',
          A: '       ok ok nf nf nf  nf nf nf nf nf nf nf',
          B: '       nf nf ok nf nf  nf nf nf nf nf nf nf',
          admin: '   ok ok ok ok nf  nf nf nf nf nf nf nf',
          auditor: ' ok ok ok ok nf  nf nf nf nf nf nf nf',
        },
        run: (subject, object) => pageResult(subject, `/jobs/${jobIdOf(object)}`, titles.get(object)),
      },
      {
        target: 'GET /jobs (page): the job is a row',
        kind: 'read',
        objects: LISTED_JOBS,
        legend: { in: IN, yes: '200 listed', no: '200 not listed' },
        expected: {
          anonymous: 'in in in in in',
          A: '       yes yes no no no',
          B: '       no no yes no no',
          admin: '   yes yes yes yes no',
          auditor: ' yes yes yes yes no',
        },
        run: async (subject, object) => {
          const response = await get(subject, '/jobs');
          if (response.status() !== 200) return `${response.status()} → ${where(response.headers()['location'] ?? '')}`;
          return `200 ${listed(new RegExp(`<tr[^>]*data-job-id="${jobIdOf(object)}"`).test(await response.text()))}`;
        },
      },
      {
        target: 'GET /jobs/bulk?action=stop&ids=<id> (bulk preview page)',
        kind: 'read',
        objects: RUNNING,
        legend: {
          in: IN,
          one: '200 touches 1',
          none: '200 touches 0',
          aud: '200 refused "Auditors cannot change jobs."',
          nan: '200 refused "Invalid input: expected number, received NaN."',
          small: '200 refused "Too small: expected number to be >0."',
          int: '200 refused "Invalid input: expected int, received number."',
          big: '200 refused "Too big: expected int to be <=9007199254740991."',
        },
        expected: {
          anonymous: 'in in in in    in in in in in in in',
          A: '       one none none none    nan small small int big nan nan',
          B: '       none one none none    nan small small int big nan nan',
          admin: '   one one one none      nan small small int big nan nan',
          auditor: ' aud aud aud aud       nan small small int big nan nan',
        },
        run: (subject, object) => bulkPreview(subject, `action=stop&ids=${jobIdOf(object)}`),
      },
      {
        target: 'GET /jobs/bulk?action=clear&ids=<id> (bulk preview page)',
        kind: 'read',
        objects: FINISHED,
        legend: {
          in: IN,
          one: '200 touches 1',
          none: '200 touches 0',
          aud: '200 refused "Auditors cannot change jobs."',
          nan: '200 refused "Invalid input: expected number, received NaN."',
          small: '200 refused "Too small: expected number to be >0."',
          int: '200 refused "Invalid input: expected int, received number."',
          big: '200 refused "Too big: expected int to be <=9007199254740991."',
        },
        // An admin clears their own jobs and CLI jobs, never another user's.
        expected: {
          anonymous: 'in in in in    in in in in in in in',
          A: '       one none none none    nan small small int big nan nan',
          B: '       none one none none    nan small small int big nan nan',
          admin: '   none none one none    nan small small int big nan nan',
          auditor: ' aud aud aud aud       nan small small int big nan nan',
        },
        run: (subject, object) => bulkPreview(subject, `action=clear&ids=${jobIdOf(object)}`),
      },
      {
        target: 'GET /jobs/bulk?action=priority&priority=high&ids=<id> (bulk preview page)',
        kind: 'read',
        objects: WAITING,
        legend: {
          in: IN,
          one: '200 touches 1',
          none: '200 touches 0',
          aud: '200 refused "Auditors cannot change jobs."',
          no: '200 refused "Only administrators change priorities."',
          nan: '200 refused "Invalid input: expected number, received NaN."',
          small: '200 refused "Too small: expected number to be >0."',
          int: '200 refused "Invalid input: expected int, received number."',
          big: '200 refused "Too big: expected int to be <=9007199254740991."',
        },
        expected: {
          anonymous: 'in in in in    in in in in in in in',
          A: '       no no no no        nan small small int big nan nan',
          B: '       no no no no        nan small small int big nan nan',
          admin: '   one one one none   nan small small int big nan nan',
          auditor: ' aud aud aud aud    nan small small int big nan nan',
        },
        run: (subject, object) => bulkPreview(subject, `action=priority&priority=high&ids=${jobIdOf(object)}`),
      },

      // Route handlers.
      {
        target: 'GET /api/jobs/export?format=csv',
        kind: 'read',
        objects: NONE,
        legend: { out: API_401, ok: '200 text/csv; charset=utf-8 attachment' },
        expected: { anonymous: 'out', A: 'ok', B: 'ok', admin: 'ok', auditor: 'ok' },
        run: async (subject) => describeApiResponse(await get(subject, '/api/jobs/export?format=csv')),
      },
      {
        target: 'GET /api/jobs/export?format=xml',
        kind: 'read',
        objects: NONE,
        legend: { out: API_401, bad: '400 {"error":{"code":"bad_request","message":"format must be one of csv, jsonl."}}' },
        expected: { anonymous: 'out', A: 'bad', B: 'bad', admin: 'bad', auditor: 'bad' },
        run: async (subject) => describeApiResponse(await get(subject, '/api/jobs/export?format=xml')),
      },
      {
        target: 'GET /api/jobs/export?format=jsonl: the job is a line',
        kind: 'read',
        objects: LISTED_JOBS,
        legend: { out: API_401, yes: '200 listed', no: '200 not listed' },
        expected: {
          anonymous: 'out out out out out',
          A: '       yes yes no no no',
          B: '       no no yes no no',
          admin: '   yes yes yes yes no',
          auditor: ' yes yes yes yes no',
        },
        run: async (subject, object) => {
          const response = await get(subject, '/api/jobs/export?format=jsonl');
          if (response.status() !== 200) return describeApiResponse(response);
          const exported = new Set(
            (await response.text())
              .split('\n')
              .filter(Boolean)
              .map((line) => (JSON.parse(line) as { id: number }).id),
          );
          return `200 ${listed(exported.has(Number(jobIdOf(object))))}`;
        },
      },
      {
        target: 'GET /api/audit/export',
        kind: 'read',
        objects: NONE,
        legend: {
          out: API_401,
          ok: '200 text/csv; charset=utf-8 attachment',
          no: '403 {"error":{"code":"forbidden","message":"Only administrators and auditors read the audit trail."}}',
        },
        expected: { anonymous: 'out', A: 'no', B: 'no', admin: 'ok', auditor: 'ok' },
        run: async (subject) => describeApiResponse(await get(subject, '/api/audit/export')),
      },
      {
        target: 'GET /api/jobs/stream (SSE, live only)',
        kind: 'read',
        objects: NONE,
        legend: { out: API_401, ok: '200 text/event-stream; charset=utf-8 retry…ready' },
        expected: { anonymous: 'out', A: 'ok', B: 'ok', admin: 'ok', auditor: 'ok' },
        run: (subject) => streamResult(subject, ''),
      },
      {
        target: 'GET /api/jobs/stream?since=<before the jobs> (SSE replay): the job is an event',
        kind: 'read',
        objects: LISTED_JOBS,
        legend: { out: API_401, yes: '200 listed', no: '200 not listed' },
        expected: {
          anonymous: 'out out out out out',
          A: '       yes yes no no no',
          B: '       no no yes no no',
          admin: '   yes yes yes yes no',
          auditor: ' yes yes yes yes no',
        },
        run: (subject, object) => streamResult(subject, `?since=${baselineEventId}`, {}, object),
      },
      {
        target: 'GET /api/jobs/stream + Last-Event-ID: <before the jobs> (SSE reconnect): the job is an event',
        kind: 'read',
        objects: LISTED_JOBS,
        legend: { out: API_401, yes: '200 listed', no: '200 not listed' },
        expected: {
          anonymous: 'out out out out out',
          A: '       yes yes no no no',
          B: '       no no yes no no',
          admin: '   yes yes yes yes no',
          auditor: ' yes yes yes yes no',
        },
        run: (subject, object) => streamResult(subject, '', { 'last-event-id': String(baselineEventId) }, object),
      },
      {
        target: 'GET /api/jobs/stream?since=abc (SSE)',
        kind: 'read',
        objects: NONE,
        legend: { out: API_401, bad: '400 {"error":{"code":"bad_request","message":"since must be a whole number."}}' },
        expected: { anonymous: 'out', A: 'bad', B: 'bad', admin: 'bad', auditor: 'bad' },
        run: (subject) => streamResult(subject, '?since=abc'),
      },
      {
        target: 'GET /api/jobs/stream + Last-Event-ID: abc (SSE)',
        kind: 'read',
        objects: NONE,
        legend: { out: API_401, bad: '400 {"error":{"code":"bad_request","message":"Last-Event-ID must be a whole number."}}' },
        expected: { anonymous: 'out', A: 'bad', B: 'bad', admin: 'bad', auditor: 'bad' },
        run: (subject) => streamResult(subject, '', { 'last-event-id': 'abc' }),
      },
      {
        target: 'GET /api/jobs/[id]/artifacts/[artifactId] (file download)',
        kind: 'read',
        objects: FILES,
        missing: 'missing job',
        legend: {
          out: API_401,
          ok: '200 text/csv; charset=utf-8 attachment',
          nf: '404 {"error":{"code":"not_found","message":"No such file."}}',
        },
        expected: {
          anonymous: 'out out out out out out  out out out out out out out',
          A: '       ok nf nf nf nf nf  nf nf nf nf nf nf nf',
          B: '       nf ok nf nf nf nf  nf nf nf nf nf nf nf',
          admin: '   ok ok ok nf nf nf  nf nf nf nf nf nf nf',
          auditor: ' ok ok ok nf nf nf  nf nf nf nf nf nf nf',
        },
        run: async (subject, object) => describeApiResponse(await get(subject, filePath(object))),
      },

      // Server actions, in this order (each sees what the ones before it did).
      {
        target: 'POST launch "ping" (launchJobAction, on /jobs/new/ping)',
        kind: 'action',
        objects: NONE,
        legend: { in: ACTION_IN, ok: '303 → /jobs/:new | jobs+1, audit:job.launch', no: '404 "You cannot launch "Ping"." | nothing' },
        expected: { anonymous: 'in', A: 'ok', B: 'ok', admin: 'ok', auditor: 'no' },
        run: (subject) => post(subject, '/jobs/new/ping', withFields(forms.launchPing, { message: 'matrix', priority: 'normal' })).then(answerOf),
      },
      {
        target: 'POST launch "prune-history", an admin task (launchJobAction, on /jobs/new/prune-history)',
        kind: 'action',
        objects: NONE,
        legend: { in: ACTION_IN, ok: '303 → /jobs/:new | jobs+1, audit:job.launch, audit:jobs.prune', no: '404 "You cannot launch "Prune old history"." | nothing' },
        expected: { anonymous: 'in', A: 'no', B: 'no', admin: 'ok', auditor: 'no' },
        run: (subject) =>
          post(subject, '/jobs/new/prune-history', withFields(forms.launchPrune, { olderThanDays: '36500', batchSize: '', priority: 'normal' })).then(answerOf),
      },
      {
        target: 'POST bulk priority → low of the checked job (runBulkAction, on /jobs/bulk)',
        kind: 'action',
        objects: WAITING,
        legend: {
          in: ACTION_IN,
          a: '303 → /jobs?bulkDone=1&bulkSkipped=0 | A·wait priority→low, audit:jobs.bulk_priority',
          b: '303 → /jobs?bulkDone=1&bulkSkipped=0 | B·wait priority→low, audit:jobs.bulk_priority',
          c: '303 → /jobs?bulkDone=1&bulkSkipped=0 | CLI·wait priority→low, audit:jobs.bulk_priority',
          zero: '303 → /jobs?bulkDone=0&bulkSkipped=0 | audit:jobs.bulk_priority',
          // As the preview action answers a request it refuses: back to the jobs page with the reason.
          no: '303 → /jobs?bulkError=Only administrators change priorities. | nothing',
          aud: '303 → /jobs?bulkError=Auditors cannot change jobs. | nothing',
          bad: '303 → /jobs | nothing',
        },
        expected: {
          anonymous: 'in in in in      in in in in in in in',
          A: '       no no no no      bad bad bad bad bad bad bad',
          B: '       no no no no      bad bad bad bad bad bad bad',
          admin: '   a b c zero       bad bad bad bad bad bad bad',
          auditor: ' aud aud aud aud  bad bad bad bad bad bad bad',
        },
        run: (subject, object) => post(subject, '/jobs/bulk', withFields(forms.bulkRun, { action: 'priority', priority: 'low', ids: fieldValueOf(object) })).then(answerOf),
      },
      {
        target: 'POST priority → high (priorityAction, on /queues)',
        kind: 'action',
        objects: WAITING,
        legend: {
          in: ACTION_IN,
          a: '200 "Priority set to high." | A·wait priority→high, audit:job.priority',
          b: '200 "Priority set to high." | B·wait priority→high, audit:job.priority',
          c: '200 "Priority set to high." | CLI·wait priority→high, audit:job.priority',
          nf: '200 "Job not found." | nothing',
          no: '404 "Only administrators change priorities." | nothing',
          bad: '200 "Job not found." | nothing',
          bad404: '404 "Job not found." | nothing',
        },
        expected: {
          anonymous: 'in in in in  in in in in in in in',
          A: '       no no no no  bad404 bad404 bad404 bad404 bad404 bad404 bad404',
          B: '       no no no no  bad404 bad404 bad404 bad404 bad404 bad404 bad404',
          admin: '   a b c nf     bad bad bad bad bad bad bad',
          auditor: ' no no no no  bad404 bad404 bad404 bad404 bad404 bad404 bad404',
        },
        run: (subject, object) => post(subject, '/queues', withFields(forms.priority, { jobId: fieldValueOf(object), priority: 'high' })).then(answerOf),
      },
      {
        target: "POST bulk stop of the whole view of A's active jobs (runBulkAction scope=view, on /jobs/bulk)",
        kind: 'action',
        objects: NONE,
        // The admin before A: the admin stops A's job through the view, then A finds it already asked to stop.
        order: ['anonymous', 'B', 'auditor', 'admin', 'A'],
        legend: {
          in: ACTION_IN,
          one: '303 → /jobs?tab=active&user=<A>&bulkDone=1&bulkSkipped=0 | A·run, audit:jobs.bulk_stop',
          zero: '303 → /jobs?tab=active&user=<A>&bulkDone=0&bulkSkipped=0 | audit:jobs.bulk_stop',
          aud: '303 → /jobs?tab=active&user=<A>&bulkError=Auditors cannot change jobs. | nothing',
        },
        expected: { anonymous: 'in', A: 'zero', B: 'zero', admin: 'one', auditor: 'aud' },
        run: (subject) =>
          post(subject, '/jobs/bulk', [
            ...forms.bulkRun.filter(([field]) => !['action', 'ids'].includes(field)),
            ['action', 'stop'],
            ['scope', 'view'],
            ['view', new URLSearchParams({ tab: 'active', user: accounts.A.email }).toString()],
          ]).then(answerOf),
      },
      {
        target: 'POST bulk stop of the checked job (runBulkAction, on /jobs/bulk)',
        kind: 'action',
        objects: RUNNING,
        legend: {
          in: ACTION_IN,
          b: '303 → /jobs?bulkDone=1&bulkSkipped=0 | B·run, audit:jobs.bulk_stop',
          c: '303 → /jobs?bulkDone=1&bulkSkipped=0 | CLI·run, audit:jobs.bulk_stop',
          zero: '303 → /jobs?bulkDone=0&bulkSkipped=0 | audit:jobs.bulk_stop',
          aud: '303 → /jobs?bulkError=Auditors cannot change jobs. | nothing',
          bad: '303 → /jobs | nothing',
        },
        // A bulk stop skips a job already asked to stop: A's was (above); B's is by B, then not again by the admin.
        expected: {
          anonymous: 'in in in in        in in in in in in in',
          A: '       zero zero zero zero   bad bad bad bad bad bad bad',
          B: '       zero b zero zero      bad bad bad bad bad bad bad',
          admin: '   zero zero c zero      bad bad bad bad bad bad bad',
          auditor: ' aud aud aud aud       bad bad bad bad bad bad bad',
        },
        run: (subject, object) => post(subject, '/jobs/bulk', withFields(forms.bulkRun, { action: 'stop', ids: fieldValueOf(object) })).then(answerOf),
      },
      {
        target: 'POST stop (controlJobAction action=stop, on /jobs)',
        kind: 'action',
        objects: RUNNING,
        legend: {
          in: ACTION_IN,
          a: '200 "Stop requested: the job stops at its next step." | A·run, audit:job.stop',
          b: '200 "Stop requested: the job stops at its next step." | B·run, audit:job.stop',
          c: '200 "Stop requested: the job stops at its next step." | CLI·run, audit:job.stop',
          nf: '200 "Job not found." | nothing',
          no: '200 "Auditors cannot change jobs." | nothing',
          bad: '200 "That is not an action on a job." | nothing',
        },
        expected: {
          anonymous: 'in in in in  in in in in in in in',
          A: '       a nf nf nf  bad bad bad bad bad bad bad',
          B: '       nf b nf nf  bad bad bad bad bad bad bad',
          admin: '   a b c nf    bad bad bad bad bad bad bad',
          auditor: ' no no no no  bad bad bad bad bad bad bad',
        },
        run: control('stop'),
      },
      {
        target: 'POST cancel (controlJobAction action=cancel, on /jobs)',
        kind: 'action',
        objects: WAITING,
        legend: {
          in: ACTION_IN,
          a: '200 "Cancelled: the job will not run." | A·wait→cancelled, audit:job.cancel',
          b: '200 "Cancelled: the job will not run." | B·wait→cancelled, audit:job.cancel',
          c: '200 "Cancelled: the job will not run." | CLI·wait→cancelled, audit:job.cancel',
          aDone: '200 "Job A·wait has already ended (cancelled); there is nothing to cancel." | nothing',
          bDone: '200 "Job B·wait has already ended (cancelled); there is nothing to cancel." | nothing',
          nf: '200 "Job not found." | nothing',
          no: '200 "Auditors cannot change jobs." | nothing',
          bad: '200 "That is not an action on a job." | nothing',
        },
        // On A's job the admin acts first, then A; on B's, B first, then the admin.
        expected: {
          anonymous: 'in in in in  in in in in in in in',
          A: '       aDone nf nf nf  bad bad bad bad bad bad bad',
          B: '       nf b nf nf      bad bad bad bad bad bad bad',
          admin: '   a bDone c nf    bad bad bad bad bad bad bad',
          auditor: ' no no no no     bad bad bad bad bad bad bad',
        },
        run: control('cancel'),
      },
      {
        target: 'POST retry (controlJobAction action=retry, on /jobs)',
        kind: 'action',
        objects: FAILED,
        legend: {
          in: ACTION_IN,
          a: '303 → /jobs/:new | jobs+1, A·fail, audit:job.retry',
          b: '303 → /jobs/:new | jobs+1, B·fail, audit:job.retry',
          c: '303 → /jobs/:new | jobs+1, CLI·fail, audit:job.retry',
          nf: '200 "Job not found." | nothing',
          no: '200 "Auditors cannot change jobs." | nothing',
          bad: '200 "That is not an action on a job." | nothing',
        },
        expected: {
          anonymous: 'in in in in  in in in in in in in',
          A: '       a nf nf nf  bad bad bad bad bad bad bad',
          B: '       nf b nf nf  bad bad bad bad bad bad bad',
          admin: '   a b c nf    bad bad bad bad bad bad bad',
          auditor: ' no no no no  bad bad bad bad bad bad bad',
        },
        run: control('retry'),
      },
      {
        target: 'POST force stop (controlJobAction action=force-stop, on /jobs)',
        kind: 'action',
        objects: RUNNING,
        legend: {
          in: ACTION_IN,
          a: '200 "Force-stopped: the job is cancelled." | A·run→cancelled, audit:job.force_stop',
          b: '200 "Force-stopped: the job is cancelled." | B·run→cancelled, audit:job.force_stop',
          c: '200 "Force-stopped: the job is cancelled." | CLI·run→cancelled, audit:job.force_stop',
          aDone: '200 "Job A·run has already ended (cancelled); there is nothing to stop." | nothing',
          bDone: '200 "Job B·run has already ended (cancelled); there is nothing to stop." | nothing',
          nf: '200 "Job not found." | nothing',
          no: '200 "Auditors cannot change jobs." | nothing',
          bad: '200 "That is not an action on a job." | nothing',
        },
        expected: {
          anonymous: 'in in in in  in in in in in in in',
          A: '       aDone nf nf nf  bad bad bad bad bad bad bad',
          B: '       nf b nf nf      bad bad bad bad bad bad bad',
          admin: '   a bDone c nf    bad bad bad bad bad bad bad',
          auditor: ' no no no no     bad bad bad bad bad bad bad',
        },
        run: control('force-stop'),
      },
      {
        target: 'POST bulk preview of stop on A·run (previewBulkAction, on /jobs)',
        kind: 'action',
        objects: NONE,
        legend: { in: ACTION_IN, ok: '303 → /jobs/bulk?action=stop&ids=A·run | nothing' },
        expected: { anonymous: 'in', A: 'ok', B: 'ok', admin: 'ok', auditor: 'ok' },
        run: (subject) =>
          post(subject, '/jobs', withFields(forms.bulkPreview, { action: 'stop', ids: String(aRun), scope: 'selected', view: '', priority: '' })).then(answerOf),
      },
      {
        target: 'POST bulk clear of the checked job (runBulkAction, on /jobs/bulk)',
        kind: 'action',
        objects: FINISHED,
        legend: {
          in: ACTION_IN,
          a: '303 → /jobs?bulkDone=1&bulkSkipped=0 | A·fin cleared, audit:jobs.bulk_clear',
          b: '303 → /jobs?bulkDone=1&bulkSkipped=0 | B·fin cleared, audit:jobs.bulk_clear',
          c: '303 → /jobs?bulkDone=1&bulkSkipped=0 | CLI·fin cleared, audit:jobs.bulk_clear',
          zero: '303 → /jobs?bulkDone=0&bulkSkipped=0 | audit:jobs.bulk_clear',
          // As the preview action answers a request it refuses: back to the jobs page with the reason.
          no: '303 → /jobs?bulkError=Auditors cannot change jobs. | nothing',
          bad: '303 → /jobs | nothing',
        },
        // A user's zero-job request is recorded as such (the audit row names no job), as for a missing id.
        expected: {
          anonymous: 'in in in in        in in in in in in in',
          A: '       a zero zero zero    bad bad bad bad bad bad bad',
          B: '       zero b zero zero    bad bad bad bad bad bad bad',
          admin: '   zero zero c zero    bad bad bad bad bad bad bad',
          auditor: ' no no no no         bad bad bad bad bad bad bad',
        },
        run: (subject, object) => post(subject, '/jobs/bulk', withFields(forms.bulkRun, { action: 'clear', ids: fieldValueOf(object) })).then(answerOf),
      },
      ...(
        [
          ['pause', `Queue ${QUEUE} paused: its waiting jobs will not start until it is resumed.`, 'pauses, audit:queue.pause'],
          ['resume', `Queue ${QUEUE} resumed.`, 'pauses, audit:queue.resume'],
          ['purge', `Queue ${QUEUE} purged: 0 waiting jobs cancelled.`, 'audit:queue.purge'],
        ] as const
      ).map(
        ([action, notice, changes]): Row => ({
          target: `POST ${action} queue ${QUEUE} (queueAction, on /queues)`,
          kind: 'action',
          objects: NONE,
          legend: { in: ACTION_IN, ok: `200 "${notice}" | ${changes}`, no: '404 "Only administrators manage queues." | nothing' },
          expected: { anonymous: 'in', A: 'no', B: 'no', admin: 'ok', auditor: 'no' },
          run: (subject) => post(subject, '/queues', withFields(forms.queue, { queue: QUEUE, action })).then(answerOf),
        }),
      ),
      ...(
        [
          ['deactivate', 'Deactivated: nobody can launch it.', 'tasks, audit:task.deactivate'],
          ['activate', 'Activated.', 'tasks, audit:task.activate'],
        ] as const
      ).map(
        ([action, notice, changes]): Row => ({
          target: `POST ${action} task ${TASK} (taskActiveAction, on /tasks)`,
          kind: 'action',
          objects: NONE,
          legend: { in: ACTION_IN, ok: `200 "${notice}" | ${changes}`, no: '404 "Only administrators change task settings." | nothing' },
          expected: { anonymous: 'in', A: 'no', B: 'no', admin: 'ok', auditor: 'no' },
          run: (subject) => post(subject, '/tasks', withFields(forms.taskActive, { task: TASK, action })).then(answerOf),
        }),
      ),
      {
        target: `POST note on task ${TASK} (taskNoteAction, on /tasks)`,
        kind: 'action',
        objects: NONE,
        legend: { in: ACTION_IN, ok: '200 "Note saved." | tasks, audit:task.note', no: '404 "Only administrators change task settings." | nothing' },
        expected: { anonymous: 'in', A: 'no', B: 'no', admin: 'ok', auditor: 'no' },
        run: (subject) => post(subject, '/tasks', withFields(forms.taskNote, { task: TASK, note })).then(answerOf),
      },
      {
        target: 'POST create a schedule, stopped (createScheduleAction, on /schedules)',
        kind: 'action',
        objects: NONE,
        legend: {
          in: ACTION_IN,
          ok: '200 "Schedule # created, stopped: start it when you are ready." | schedules, audit:schedule.create',
          no: '404 "Only administrators manage schedules." | nothing',
        },
        expected: { anonymous: 'in', A: 'no', B: 'no', admin: 'ok', auditor: 'no' },
        run: (subject) => post(subject, '/schedules', withFields(forms.newSchedule, newScheduleFields)).then(answerOf),
      },
      ...(
        [
          ['start', 'Schedule S started.', 'schedules, audit:schedule.start'],
          ['stop', 'Schedule S stopped.', 'schedules, audit:schedule.stop'],
          ['delete', 'Schedule S deleted.', 'schedules, audit:schedule.delete'],
        ] as const
      ).map(
        ([action, notice, changes]): Row => ({
          target: `POST ${action} a schedule (scheduleAction, on /schedules)`,
          kind: 'action',
          objects: SCHEDULES,
          legend: {
            in: ACTION_IN,
            ok: `200 "${notice}" | ${changes}`,
            nf: '200 "Schedule not found." | nothing',
            no: '404 "Only administrators manage schedules." | nothing',
          },
          expected: { anonymous: 'in in', A: 'no no', B: 'no no', admin: 'ok nf', auditor: 'no no' },
          run: (subject, object) => post(subject, '/schedules', withFields(scheduleForm, { id: scheduleIdOf(object), action })).then(answerOf),
        }),
      ),
      {
        target: 'POST dashboard settings (saveDashboardSettings, on /dashboard)',
        kind: 'action',
        objects: NONE,
        legend: { in: ACTION_IN, ok: '200 "Settings saved." | settings, audit:settings.dashboard', no: '404 "Only administrators change the dashboard settings." | nothing' },
        expected: { anonymous: 'in', A: 'no', B: 'no', admin: 'ok', auditor: 'no' },
        run: (subject) => post(subject, '/dashboard', withFields(forms.settings, settingsFields)).then(answerOf),
      },
      {
        target: 'POST clear inactive jobs (clearInactiveJobsAction, on /jobs)',
        kind: 'action',
        objects: NONE,
        legend: {
          in: ACTION_IN,
          a: '303 → /jobs?tab=all&cleared=n | A·fail cleared, A·wait cleared, A·run cleared, audit:jobs.clear_inactive',
          b: '303 → /jobs?tab=all&cleared=n | B·fail cleared, B·wait cleared, B·run cleared, audit:jobs.clear_inactive',
          cli: '303 → /jobs?tab=all&cleared=n | CLI·fail cleared, CLI·wait cleared, CLI·run cleared, audit:jobs.clear_inactive',
          no: '303 → /jobs?tab=all&notice=cannot-clear | nothing',
        },
        expected: { anonymous: 'in', A: 'a', B: 'b', admin: 'cli', auditor: 'no' },
        run: (subject) => post(subject, '/jobs', withFields(forms.clearInactive, { tab: 'all' })).then(answerOf),
      },
    ];

    // ---- Run: reads side by side, actions one at a time, each between two fingerprints.
    const actual = new Map<string, string>();
    const key = (row: Row, subject: Subject, object: string) => `${row.target}\u0000${subject}\u0000${object}`;
    const setupSeconds = (Date.now() - started) / 1000;
    const readCells = rows.filter((row) => row.kind === 'read').flatMap((row) => SUBJECTS.flatMap((subject) => row.objects.map((object) => ({ row, subject, object }))));
    await inParallel(readCells, 8, async ({ row, subject, object }) => {
      actual.set(key(row, subject, object), await row.run(subject, object).catch((error: unknown) => `threw ${String(error)}`));
    });
    const readSeconds = (Date.now() - started) / 1000 - setupSeconds;
    const allLabels = new Map([...labels]);
    /** On A's jobs the admin acts before A, on B's B before the admin, so each allowed one-shot action is tried by both kinds. */
    const orderFor = (object: string): Subject[] =>
      object.startsWith('A·') ? ['anonymous', 'B', 'auditor', 'admin', 'A'] : object.startsWith('B·') ? ['anonymous', 'A', 'auditor', 'B', 'admin'] : ['anonymous', 'A', 'B', 'auditor', 'admin'];
    for (const row of rows.filter((candidate) => candidate.kind === 'action')) {
      for (const object of row.objects) {
        for (const subject of row.order ?? orderFor(object)) {
          const before = await fingerprint(database, objectIds);
          const answer = await row.run(subject, object).catch((error: unknown) => `threw ${String(error)}`);
          await settleJobsAfter(database, before.newestJobId);
          const after = await fingerprint(database, objectIds);
          actual.set(key(row, subject, object), `${answer} | ${await changesBetween(database, before, after, allLabels)}`);
        }
      }
    }

    // ---- Compare, print, count.
    const wrong = new Map<string, string[]>();
    const problem = (what: string, cell: string) => wrong.set(what, [...(wrong.get(what) ?? []), cell]);
    const printed: PrintedRow[] = rows.map((row) => {
      const cells: PrintedRow['cells'] = {};
      for (const subject of SUBJECTS) {
        const codes = row.expected[subject].trim().split(/\s+/);
        if (codes.length !== row.objects.length) throw new Error(`${row.target}: ${subject} has ${codes.length} codes for ${row.objects.length} objects`);
        cells[subject] = codes.map((code, column) => {
          const expected = row.legend[code];
          if (expected === undefined) throw new Error(`${row.target}: no code ${code}`);
          const got = actual.get(key(row, subject, row.objects[column]!))!;
          if (got === expected) return { code };
          problem(`${row.target}: expected ${expected}; got ${got}`, `${subject} × ${row.objects[column]}`);
          return { code, wrong: got };
        });
      }
      return { target: row.target, objects: row.objects, subjects: SUBJECTS, cells, legend: row.legend };
    });
    // Independent of the codes above: for a user, another user's job and a CLI job answer exactly as a missing one.
    for (const row of rows) {
      const missing = row.missing ?? 'missing';
      if (!row.objects.includes(missing)) continue;
      for (const [subject, others] of [
        ['A', ['B·', 'CLI·']],
        ['B', ['A·', 'CLI·']],
      ] as const) {
        const asMissing = actual.get(key(row, subject, missing));
        for (const object of row.objects.filter((candidate) => others.some((prefix) => candidate.startsWith(prefix)))) {
          // An action's answer, not what it changed: a user's zero-job bulk request is recorded either way.
          const answer = (text: string | undefined) => text?.split(' | ')[0];
          if (answer(actual.get(key(row, subject, object))) !== answer(asMissing)) {
            problem(`${row.target}: another's job answers unlike a missing one (${actual.get(key(row, subject, object))}; missing: ${asMissing})`, `${subject} × ${object}`);
          }
        }
      }
    }
    const problems = [...wrong].map(([what, where]) => `${what} — ${where.length} cells: ${where.join(', ')}`);
    const cellCount = rows.reduce((sum, row) => sum + row.objects.length * SUBJECTS.length, 0);
    console.log(
      `${formatMatrix(printed)}\n\nAuthorization matrix: ${rows.length} targets, ${cellCount} cells (${readCells.length} reads, ${cellCount - readCells.length} actions), ` +
        `${[...wrong.values()].flat().length} wrong in ${problems.length} groups; ${((Date.now() - started) / 1000).toFixed(1)} s (setup ${setupSeconds.toFixed(1)} s, reads ${readSeconds.toFixed(1)} s).`,
    );
    expect(problems, 'cells whose answer is not the promised one').toEqual([]);
  } finally {
    // Leave nothing running, waiting, paused, turned off or scheduled for the specs after this one.
    const fromCli = await cliJobs.catch(() => null);
    const running = new Set([...['A·run', 'B·run', 'CLI·run'].flatMap((label) => (ids.has(label) ? [ids.get(label)!] : [])), ...(fromCli ? [fromCli.run] : [])]);
    await Promise.all([...running].map((id) => cli('stop', String(id), '--force').catch(() => '')));
    await cli('purge', WAITING_QUEUE).catch(() => '');
    await Promise.all([cli('resume', WAITING_QUEUE), cli('resume', QUEUE), cli('task', 'activate', TASK), cli('task', 'note', TASK, '')].map((done) => done.catch(() => '')));
    await db.execute(sql`delete from schedules where owner_id = ${accounts.admin.id}`).catch(() => undefined);
  }
});
