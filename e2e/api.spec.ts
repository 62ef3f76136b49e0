import crypto from 'node:crypto';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { and, eq, sql } from 'drizzle-orm';
import type { APIResponse } from '@playwright/test';
import type { OpenAPIV3_1 } from 'openapi-types';
import { auditEvents, jobs, users } from '@/db/schema';
import { createApiToken, revokeApiToken } from '@/jobs/tokens';
import type { PersonViewer } from '@/jobs/viewer';
import { formatMatrix, jobIdsInEvents, readEventStreamStart, type PrintedRow } from './authorization-support';
import { expect, test, type TestAccount } from './support';

/**
 * The REST API (issue 9): every endpoint × every kind of caller, through tokens, one exact status
 * per cell; then the OpenAPI document is validated and walked: every documented operation was
 * called, every answer's status is documented for it, and every JSON answer validates against the
 * document's schema for that status. The permissions are the pages' (README: Accounts): a user
 * their own jobs, admins and auditors every job, auditors change nothing, someone else's job
 * answers like a missing one.
 */

type Caller = 'none' | 'malformed' | 'revoked' | 'disabled' | 'A' | 'B' | 'admin' | 'auditor';
const CALLERS: Caller[] = ['none', 'malformed', 'revoked', 'disabled', 'A', 'B', 'admin', 'auditor'];
const REFUSED: Caller[] = ['none', 'malformed', 'revoked', 'disabled'];

const MISSING_ID = 999_999_999;
const WAITING_QUEUE = 'imports';
/** Job objects a cell acts on: A's, B's and a CLI job in one state, a missing job, a malformed id. */
const objectsIn = (state: string) => [`A·${state}`, `B·${state}`, `CLI·${state}`, 'missing', 'abc'];

/**
 * The expected statuses of a row over its objects, per caller: refused callers get 401 everywhere;
 * `own` is the status on a job the caller may act on, the rest are not found (404), as are the
 * missing job and the malformed id. An auditor gets `auditor` everywhere when given.
 */
function jobRow(own: number, options: { auditor?: number } = {}): Record<Caller, number[]> {
  const row = (mine: boolean[]) => mine.map((yes) => (yes ? own : 404));
  const everyone = row([true, true, true, false, false]);
  return {
    none: [401, 401, 401, 401, 401],
    malformed: [401, 401, 401, 401, 401],
    revoked: [401, 401, 401, 401, 401],
    disabled: [401, 401, 401, 401, 401],
    A: row([true, false, false, false, false]),
    B: row([false, true, false, false, false]),
    admin: everyone,
    auditor: options.auditor === undefined ? everyone : [options.auditor, options.auditor, options.auditor, options.auditor, options.auditor],
  };
}

/** A row without job objects: 401 for refused callers, `status` (or per caller) for the others. */
function plainRow(status: number, per: Partial<Record<Caller, number>> = {}): Record<Caller, number[]> {
  return Object.fromEntries(CALLERS.map((caller) => [caller, [REFUSED.includes(caller) ? 401 : (per[caller] ?? status)]])) as Record<Caller, number[]>;
}

const statusWords: Record<string, string> = {
  '200': 'OK',
  '201': 'created',
  '400': 'invalid input',
  '401': 'no valid token',
  '403': 'forbidden',
  '404': 'not found',
  '409': 'conflict with the job\'s state',
  '405': 'method not allowed',
  '415': 'not JSON',
};

interface Row {
  operationId: string;
  label: string;
  objects: string[];
  expected: Record<Caller, number[]>;
  call: (caller: Caller, object: string) => Promise<APIResponse | { status: number; type: string; text: string }>;
}

function viewerOf(account: TestAccount): PersonViewer {
  return { kind: 'person', id: account.id, email: account.email, role: account.role };
}

test('REST API: every endpoint × every kind of token, one status each, and the OpenAPI document walked', async ({ account, cli, database, playwright, baseURL }) => {
  test.setTimeout(240_000);
  const db = database.db;
  const base = baseURL!;
  const source = { origin: 'web' as const };
  const people = { A: await account('user', 'api-a'), B: await account('user', 'api-b'), admin: await account('admin', 'api-admin'), auditor: await account('auditor', 'api-auditor') };
  const disabledPerson = await account('user', 'api-disabled');
  const tokens: Record<Caller, string | null> = { none: null, malformed: 'not-a-token', revoked: '', disabled: '', A: '', B: '', admin: '', auditor: '' };
  for (const caller of ['A', 'B', 'admin', 'auditor'] as const) tokens[caller] = (await createApiToken(db, viewerOf(people[caller]), { name: `matrix ${caller}` }, source)).token;
  const revoked = await createApiToken(db, viewerOf(people.A), { name: 'revoked' }, source);
  await revokeApiToken(db, viewerOf(people.A), revoked.summary.id, source);
  tokens.revoked = revoked.token;
  tokens.disabled = (await createApiToken(db, viewerOf(disabledPerson), { name: 'disabled' }, source)).token;
  await db.update(users).set({ disabledAt: sql`now()` }).where(eq(users.id, disabledPerson.id));

  const api = await playwright.request.newContext({ baseURL: base });
  const headersOf = (caller: Caller, extra: Record<string, string> = {}) => ({
    connection: 'close',
    ...(tokens[caller] === null ? {} : { authorization: caller === 'malformed' ? 'Bearer not-a-token' : `Bearer ${tokens[caller]}` }),
    ...extra,
  });
  const get = (caller: Caller, path: string) => api.get(path, { headers: headersOf(caller), maxRedirects: 0 });
  const post = (caller: Caller, path: string, body?: unknown, extra: Record<string, string> = {}) =>
    api.post(path, { headers: headersOf(caller, body === undefined ? extra : { 'content-type': 'application/json', ...extra }), data: body === undefined ? undefined : JSON.stringify(body), maxRedirects: 0 });

  const ids = new Map<string, number>([['missing', MISSING_ID]]);
  const idOf = (object: string) => (object === 'abc' ? 'abc' : String(ids.get(object)));
  const baselineEventId = Number((await db.execute<{ id: string }>(sql`select case when is_called then last_value else 0 end as id from job_event_seq`))[0]!.id);
  const enqueue = async (task: string, args: Record<string, unknown> = {}) => Number(await cli('enqueue', task, '--args', JSON.stringify(args)));
  const longRun = { durationSeconds: 3600, steps: 10, ignoreStopRequests: true };
  const launched: APIResponse[] = [];
  const launch = async (caller: 'A' | 'B', task: string, args: Record<string, unknown>) => {
    const response = await post(caller, '/api/v1/jobs', { task, arguments: args });
    launched.push(response);
    expect(response.status(), await response.text()).toBe(201);
    const { data } = (await response.json()) as { data: { id: number; origin: string } };
    expect(data.origin).toBe('api');
    expect(response.headers()['location']).toBe(`/api/v1/jobs/${data.id}`);
    return data.id;
  };

  await cli('pause', WAITING_QUEUE);
  try {
    for (const caller of ['A', 'B'] as const) {
      ids.set(`${caller}·run`, await launch(caller, 'long-running', longRun));
      ids.set(`${caller}·fin`, await launch(caller, 'ping', { message: 'done' }));
      ids.set(`${caller}·fail`, await launch(caller, 'failing', { delaySeconds: 0 }));
      ids.set(`${caller}·wait`, await launch(caller, 'csv-import-check', { csv: 'identifier,title\n1,First' }));
    }
    ids.set('CLI·run', await enqueue('long-running', longRun));
    ids.set('CLI·fin', await enqueue('ping'));
    ids.set('CLI·fail', await enqueue('failing', { delaySeconds: 0 }));
    const states: Record<string, string> = { run: 'running', fin: 'completed', fail: 'failed', wait: 'queued' };
    const wanted = Object.fromEntries([...ids].filter(([label]) => label !== 'missing').map(([label, id]) => [id, states[label.split('·')[1]!]]));
    await expect
      .poll(
        async () => Object.fromEntries((await db.select({ id: jobs.id, status: jobs.status }).from(jobs).where(sql`${jobs.id} = any(${`{${Object.keys(wanted).join(',')}}`}::bigint[])`)).map((row) => [row.id, row.status])),
        { timeout: 60_000, intervals: [200] },
      )
      .toEqual(wanted);

    const rows: Row[] = [
      { operationId: 'listJobs', label: 'GET /api/v1/jobs', objects: ['—'], expected: plainRow(200), call: (caller) => get(caller, '/api/v1/jobs') },
      { operationId: 'listJobs', label: 'GET /api/v1/jobs?status=bogus', objects: ['—'], expected: plainRow(400), call: (caller) => get(caller, '/api/v1/jobs?status=bogus') },
      { operationId: 'listJobs', label: 'GET /api/v1/jobs?limit=0&colour=red', objects: ['—'], expected: plainRow(400), call: (caller) => get(caller, '/api/v1/jobs?limit=0&colour=red') },
      { operationId: 'getJob', label: 'GET /api/v1/jobs/{id}', objects: objectsIn('run'), expected: jobRow(200), call: (caller, object) => get(caller, `/api/v1/jobs/${idOf(object)}`) },
      { operationId: 'getJobLog', label: 'GET /api/v1/jobs/{id}/log', objects: objectsIn('run'), expected: jobRow(200), call: (caller, object) => get(caller, `/api/v1/jobs/${idOf(object)}/log?limit=5`) },
      {
        operationId: 'getJobLog',
        label: 'GET /api/v1/jobs/{id}/log?level=loud',
        objects: ['A·run'],
        expected: plainRow(400),
        call: (caller, object) => get(caller, `/api/v1/jobs/${idOf(object)}/log?level=loud`),
      },
      {
        operationId: 'cancelJob',
        label: 'POST /api/v1/jobs/{id}/cancel (running, ignores stops)',
        objects: objectsIn('run'),
        expected: jobRow(200, { auditor: 403 }),
        call: (caller, object) => post(caller, `/api/v1/jobs/${idOf(object)}/cancel`),
      },
      {
        operationId: 'cancelJob',
        label: 'POST /api/v1/jobs/{id}/cancel (completed)',
        objects: objectsIn('fin'),
        expected: jobRow(409, { auditor: 403 }),
        call: (caller, object) => post(caller, `/api/v1/jobs/${idOf(object)}/cancel`, { mode: 'graceful' }),
      },
      {
        operationId: 'cancelJob',
        label: 'POST /api/v1/jobs/{id}/cancel {"mode":"sideways"}',
        objects: ['A·run'],
        expected: plainRow(400, { auditor: 403 }),
        call: (caller, object) => post(caller, `/api/v1/jobs/${idOf(object)}/cancel`, { mode: 'sideways' }),
      },
      {
        operationId: 'cancelJob',
        label: 'POST /api/v1/jobs/{id}/cancel as text/plain',
        objects: ['A·run'],
        expected: plainRow(415, { auditor: 403 }),
        call: (caller, object) => api.post(`/api/v1/jobs/${idOf(object)}/cancel`, { headers: headersOf(caller, { 'content-type': 'text/plain' }), data: 'mode=force', maxRedirects: 0 }),
      },
      {
        operationId: 'retryJob',
        label: 'POST /api/v1/jobs/{id}/retry (failed)',
        objects: objectsIn('fail'),
        expected: jobRow(201, { auditor: 403 }),
        call: (caller, object) => post(caller, `/api/v1/jobs/${idOf(object)}/retry`),
      },
      {
        operationId: 'retryJob',
        label: 'POST /api/v1/jobs/{id}/retry (running)',
        objects: objectsIn('run'),
        expected: jobRow(409, { auditor: 403 }),
        call: (caller, object) => post(caller, `/api/v1/jobs/${idOf(object)}/retry`),
      },
      {
        operationId: 'launchJob',
        label: 'POST /api/v1/jobs ping',
        objects: ['—'],
        expected: plainRow(201, { auditor: 403 }),
        call: (caller) => post(caller, '/api/v1/jobs', { task: 'ping', arguments: { message: `matrix ${caller}` }, priority: 'low' }),
      },
      {
        operationId: 'launchJob',
        label: 'POST /api/v1/jobs queue-maintenance (admins only)',
        objects: ['—'],
        expected: plainRow(403, { admin: 201 }),
        call: (caller) => post(caller, '/api/v1/jobs', { task: 'queue-maintenance', arguments: { deletePermanentlyFailed: false, collectUnusedNames: false, analyze: false } }),
      },
      {
        operationId: 'launchJob',
        label: 'POST /api/v1/jobs ping, message of 201 characters',
        objects: ['—'],
        expected: plainRow(400, { auditor: 403 }),
        call: (caller) => post(caller, '/api/v1/jobs', { task: 'ping', arguments: { message: 'x'.repeat(201) } }),
      },
      { operationId: 'launchJob', label: 'POST /api/v1/jobs unknown task', objects: ['—'], expected: plainRow(400), call: (caller) => post(caller, '/api/v1/jobs', { task: 'nope' }) },
      { operationId: 'launchJob', label: 'POST /api/v1/jobs bulk-action (hidden)', objects: ['—'], expected: plainRow(400), call: (caller) => post(caller, '/api/v1/jobs', { task: 'bulk-action', arguments: {} }) },
      {
        operationId: 'launchJob',
        label: 'POST /api/v1/jobs not JSON',
        objects: ['—'],
        expected: plainRow(415),
        call: (caller) => api.post('/api/v1/jobs', { headers: headersOf(caller, { 'content-type': 'application/x-www-form-urlencoded' }), data: 'task=ping', maxRedirects: 0 }),
      },
      { operationId: 'exportJobs', label: 'GET /api/v1/jobs/export?format=jsonl', objects: ['—'], expected: plainRow(200), call: (caller) => get(caller, '/api/v1/jobs/export?format=jsonl') },
      { operationId: 'exportJobs', label: 'GET /api/v1/jobs/export?format=xml', objects: ['—'], expected: plainRow(400), call: (caller) => get(caller, '/api/v1/jobs/export?format=xml') },
      {
        operationId: 'streamEvents',
        label: 'GET /api/v1/events',
        objects: ['—'],
        expected: plainRow(200),
        call: (caller) => readEventStreamStart(`${base}/api/v1/events?since=${baselineEventId}`, headersOf(caller)),
      },
      { operationId: 'streamEvents', label: 'GET /api/v1/events?since=soon', objects: ['—'], expected: plainRow(400), call: (caller) => get(caller, '/api/v1/events?since=soon') },
      { operationId: 'openapi', label: 'GET /api/v1/openapi.json', objects: ['—'], expected: plainRow(200), call: (caller) => get(caller, '/api/v1/openapi.json') },
      {
        operationId: 'unknown',
        label: 'DELETE /api/v1/jobs/{id}',
        objects: ['A·fin'],
        expected: { ...plainRow(405), none: [405], malformed: [405], revoked: [405], disabled: [405] },
        call: (caller, object) => api.delete(`/api/v1/jobs/${idOf(object)}`, { headers: headersOf(caller), maxRedirects: 0 }),
      },
      { operationId: 'unknown', label: 'GET /api/v1/nothing-here', objects: ['—'], expected: { ...plainRow(404), none: [404], malformed: [404], revoked: [404], disabled: [404] }, call: (caller) => get(caller, '/api/v1/nothing-here') },
    ];

    // ---- Run every cell (the rows in order: a row's calls may change jobs the next rows read).
    interface Answer {
      row: Row;
      caller: Caller;
      object: string;
      status: number;
      type: string;
      body: string;
    }
    const answers: Answer[] = [];
    const wrong: string[] = [];
    const printed: PrintedRow[] = [];
    for (const row of rows) {
      const cells: PrintedRow['cells'] = {};
      for (const caller of CALLERS) {
        const got = await Promise.all(
          row.objects.map(async (object) => {
            const response = await row.call(caller, object);
            const answer =
              'type' in response
                ? { status: response.status, type: response.type, body: response.text }
                : { status: response.status(), type: response.headers()['content-type'] ?? '', body: await response.text() };
            answers.push({ row, caller, object, ...answer });
            return answer;
          }),
        );
        cells[caller] = got.map((answer, index) => ({
          code: String(row.expected[caller][index]),
          wrong: answer.status === row.expected[caller][index] ? undefined : String(answer.status),
        }));
        got.forEach((answer, index) => {
          if (answer.status !== row.expected[caller][index]) wrong.push(`${row.label} as ${caller} on ${row.objects[index]}: ${answer.status} ${answer.body.slice(0, 200)} (expected ${row.expected[caller][index]})`);
        });
      }
      const codes = new Set(Object.values(row.expected).flat().map(String));
      printed.push({ target: row.label, objects: row.objects, subjects: CALLERS, cells, legend: Object.fromEntries([...codes].sort().map((code) => [code, statusWords[code] ?? code])) });
    }
    console.log(formatMatrix(printed));
    expect(wrong, 'cells whose status is not the promised one').toEqual([]);

    // ---- Every error is JSON of the one shape, and a 401 says how to authenticate.
    for (const answer of answers.filter((candidate) => candidate.status >= 400)) {
      expect(answer.type, `${answer.row.label} as ${answer.caller}`).toContain('application/json');
      const body = JSON.parse(answer.body) as { error: { code: string; message: string } };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.message.length).toBeGreaterThan(5);
    }
    const refused = await get('revoked', '/api/v1/jobs');
    expect(refused.headers()['www-authenticate']).toContain('Bearer');

    // ---- What each caller sees: the list, the export and the event stream follow the pages' rules.
    const visible = (caller: Caller, seen: Set<number>) => ({
      A: ['A·run', 'A·fin'].every((label) => seen.has(ids.get(label)!)),
      B: ['B·run', 'B·fin'].every((label) => seen.has(ids.get(label)!)),
      CLI: ['CLI·run', 'CLI·fin'].every((label) => seen.has(ids.get(label)!)),
      others: caller === 'A' ? ['B·run', 'CLI·run', 'B·fin'].some((label) => seen.has(ids.get(label)!)) : caller === 'B' ? ['A·run', 'CLI·run'].some((label) => seen.has(ids.get(label)!)) : false,
    });
    for (const caller of ['A', 'B', 'admin', 'auditor'] as const) {
      const list = answers.find((answer) => answer.row.label === 'GET /api/v1/jobs' && answer.caller === caller)!;
      const listed = new Set((JSON.parse(list.body) as { data: { id: number }[] }).data.map((job) => job.id));
      const exported = answers.find((answer) => answer.row.operationId === 'exportJobs' && answer.status === 200 && answer.caller === caller)!;
      const inExport = new Set(exported.body.trim().split('\n').map((line) => (JSON.parse(line) as { id: number }).id));
      const streamed = jobIdsInEvents(answers.find((answer) => answer.row.operationId === 'streamEvents' && answer.status === 200 && answer.caller === caller)!.body);
      const expected = caller === 'A' ? { A: true, B: false, CLI: false, others: false } : caller === 'B' ? { A: false, B: true, CLI: false, others: false } : { A: true, B: true, CLI: true, others: false };
      expect({ list: visible(caller, listed), export: visible(caller, inExport), events: visible(caller, streamed) }, caller).toEqual({ list: expected, export: expected, events: expected });
    }

    // ---- The API's changes are on the audit trail as the API's.
    const [launchAudit] = await db
      .select({ origin: auditEvents.origin, actor: auditEvents.actorLabel })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'job.launch'), sql`${ids.get('A·run')!} = any(${auditEvents.jobIds})`));
    expect(launchAudit).toEqual({ origin: 'api', actor: people.A.email });

    // ---- The OpenAPI document: valid, and the handlers answer as it says.
    const document = JSON.parse(answers.find((answer) => answer.row.operationId === 'openapi' && answer.caller === 'admin')!.body) as OpenAPIV3_1.Document;
    await SwaggerParser.validate(structuredClone(document) as never);
    const operations = new Map<string, { method: string; path: string; operation: OpenAPIV3_1.OperationObject }>();
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const operation = item?.[method];
        if (operation?.operationId) operations.set(operation.operationId, { method, path, operation });
      }
    }
    const called = new Set(rows.map((row) => row.operationId));
    expect([...operations.keys()].filter((id) => !called.has(id)), 'documented operations the test never called').toEqual([]);
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const undocumented: string[] = [];
    for (const answer of answers) {
      const documented = operations.get(answer.row.operationId);
      if (!documented) continue; // the document itself, and the catch-all 404
      const response = documented.operation.responses?.[String(answer.status)] as OpenAPIV3_1.ResponseObject | undefined;
      if (!response) {
        undocumented.push(`${answer.row.label} as ${answer.caller}: ${answer.status} is not documented`);
        continue;
      }
      const mediaType = answer.type.split(';')[0]!.trim();
      const content = response.content?.[mediaType];
      if (!content) {
        undocumented.push(`${answer.row.label} as ${answer.caller}: ${answer.status} ${mediaType} is not documented`);
        continue;
      }
      if (mediaType !== 'application/json') continue;
      const validate = ajv.compile({ ...(content.schema as object), components: document.components });
      if (!validate(JSON.parse(answer.body))) undocumented.push(`${answer.row.label} as ${answer.caller}: ${ajv.errorsText(validate.errors)}`);
    }
    for (const response of launched) expect(response.status()).toBe(201);
    expect(undocumented, 'answers that do not match the OpenAPI document').toEqual([]);
    console.log(`REST API matrix: ${rows.length} rows, ${answers.length} cells, ${wrong.length} wrong; ${operations.size} documented operations walked.`);
  } finally {
    const running = ['A·run', 'B·run', 'CLI·run'].flatMap((label) => (ids.has(label) ? [ids.get(label)!] : []));
    await Promise.all(running.map((id) => cli('stop', String(id), '--force').catch(() => '')));
    await cli('purge', WAITING_QUEUE).catch(() => '');
    await cli('resume', WAITING_QUEUE).catch(() => '');
    await api.dispose();
  }
});

test('Idempotency-Key: a retried launch returns the first job, however many arrive at once', async ({ account, database, playwright, baseURL }) => {
  const db = database.db;
  const [a, b] = [await account('user', 'idem-a'), await account('user', 'idem-b')];
  const tokenA = (await createApiToken(db, viewerOf(a), { name: 'idem' }, { origin: 'web' })).token;
  const tokenB = (await createApiToken(db, viewerOf(b), { name: 'idem' }, { origin: 'web' })).token;
  const api = await playwright.request.newContext({ baseURL });
  const launch = (token: string, key: string, message: string) =>
    api.post('/api/v1/jobs', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      data: JSON.stringify({ task: 'ping', arguments: { message } }),
    });
  try {
    const key = crypto.randomUUID();
    const first = await launch(tokenA, key, 'once');
    expect(first.status()).toBe(201);
    const firstId = ((await first.json()) as { data: { id: number } }).data.id;
    const again = await launch(tokenA, key, 'once');
    expect(again.status()).toBe(200);
    expect(again.headers()['idempotent-replayed']).toBe('true');
    expect(((await again.json()) as { data: { id: number } }).data.id).toBe(firstId);
    // The same key for other arguments is a mistake, said as such.
    const other = await launch(tokenA, key, 'twice');
    expect(other.status()).toBe(409);
    expect(((await other.json()) as { error: { message: string } }).error.message).toContain(`job ${firstId}`);
    // Keys are per person: B's same key is B's own launch.
    const fromB = await launch(tokenB, key, 'once');
    expect(fromB.status()).toBe(201);
    expect(((await fromB.json()) as { data: { id: number } }).data.id).not.toBe(firstId);
    // Eight at once with a new key: one job, eight answers naming it.
    const raceKey = crypto.randomUUID();
    const raced = await Promise.all(Array.from({ length: 8 }, () => launch(tokenA, raceKey, 'race')));
    const racedIds = await Promise.all(raced.map(async (response) => ((await response.json()) as { data: { id: number } }).data.id));
    expect(new Set(racedIds).size).toBe(1);
    expect(raced.map((response) => response.status()).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const made = await db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.ownerId, a.id), eq(jobs.idempotencyKey, raceKey)));
    expect(made).toEqual([{ id: racedIds[0] }]);
    const audited = await db.select({ id: auditEvents.id }).from(auditEvents).where(and(eq(auditEvents.action, 'job.launch'), sql`${racedIds[0]!} = any(${auditEvents.jobIds})`));
    expect(audited).toHaveLength(1);
    // A key that is not a key.
    const bad = await launch(tokenA, 'has spaces', 'x');
    expect(bad.status()).toBe(400);
    expect(((await bad.json()) as { error: { details: { field: string }[] } }).error.details[0]!.field).toBe('Idempotency-Key');
  } finally {
    await api.dispose();
  }
});

test('API tokens page: make a token (shown once), use it, see it used, revoke it', async ({ account, pageAs, playwright, baseURL }) => {
  const person = await account('user', 'tokens');
  const page = await pageAs(person);
  const api = await playwright.request.newContext({ baseURL });
  try {
    await page.goto('/settings/tokens');
    await expect(page.getByRole('heading', { name: 'API tokens', level: 1 })).toBeVisible();
    await expect(page.getByText('You have no tokens yet.')).toBeVisible();
    // A name is required (the browser's own check is bypassed to see ours).
    await page.getByLabel('Name').evaluate((input: HTMLInputElement) => input.removeAttribute('required'));
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByText('Give the token a name')).toBeVisible();
    await page.getByLabel('Name').fill('Nightly import');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByTestId('new-token-value').inputValue();
    expect(token).toMatch(/^jc_[A-Za-z0-9_-]{43}$/);
    await expect(page.getByTestId('token-row')).toHaveCount(1);
    await expect(page.getByTestId('token-row')).toContainText(`${token.slice(0, 9)}…`);
    await expect(page.getByTestId('token-row')).toContainText('Never');

    const call = () => api.get('/api/v1/jobs', { headers: { authorization: `Bearer ${token}` } });
    expect((await call()).status()).toBe(200);
    await page.reload();
    // Shown once: after a reload the page holds the prefix only.
    expect(await page.content()).not.toContain(token);
    await expect(page.getByTestId('token-row')).not.toContainText('Never');

    // Someone else's revoke form, rewritten to name this token: not found, and the token still works.
    const other = await pageAs(await account('user', 'tokens-other'));
    await other.goto('/settings/tokens');
    await other.getByLabel('Name').fill('Theirs');
    await other.getByRole('button', { name: 'Create token' }).click();
    await expect(other.getByTestId('token-row')).toHaveCount(1);
    const ownId = await page.locator('input[type=hidden][name=id]').inputValue();
    await other.locator('input[type=hidden][name=id]').evaluate((input: HTMLInputElement, id) => (input.value = id), ownId);
    other.once('dialog', (dialog) => void dialog.accept());
    await other.getByRole('button', { name: 'Revoke Theirs' }).click();
    await expect(other.getByText('That token does not exist, or is not yours.')).toBeVisible();
    expect((await call()).status()).toBe(200);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke Nightly import' }).click();
    await expect(page.getByText('Revoked "Nightly import": it is refused from now on.')).toBeVisible();
    await expect(page.getByTestId('token-row')).toContainText('Revoked');
    const refused = await call();
    expect(refused.status()).toBe(401);
    expect(await refused.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('revoked') } });
    await page.screenshot({ path: test.info().outputPath('tokens-page.png'), fullPage: true });
  } finally {
    await api.dispose();
  }
});
