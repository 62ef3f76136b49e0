import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { signIn } from '@/bench/processes';
import { jobOrigins, jobPriorities, jobStatuses } from '@/db/enums';
import { jobArtifacts, schedules } from '@/db/schema';
import { bulkActions } from '@/jobs/bulk-names';
import { enqueueJobs, queueJobKey } from '@/jobs/enqueue';
import { dashboardSettingsSchema } from '@/jobs/settings';
import { jobTabs } from '@/jobs/tabs';
import { pingTask } from '@/jobs/tasks/ping';
import { createApiToken } from '@/jobs/tokens';
import { hostileText, hugeText, injections, nestedJsonText, numbersAsText } from '@/test/hostile-values';
import { createAccount } from '@/lib/accounts';
import {
  DatabaseWatch,
  Http,
  changedParts,
  fileValue,
  fuzzTarget,
  hostileValue,
  idSpelling,
  isPositiveId,
  malformedId,
  missingId,
  percentEncode,
  refusalOf,
  refusedAsJson,
  refusedOnPage,
  signInParts,
  summaryTable,
  unknownFields,
  type FieldValue,
  type Fields,
  type Outcome,
  type Reply,
} from './fuzz-support';
import { actionStateOf, hiddenFieldsOfForm, textOf } from './html';
import { expect, hiddenFormFields, test } from './support';

/**
 * Issue 8, "Bad input": every server action and route handler of the console gets at least 1,000
 * generated inputs that are wrong by construction (wrong types, empty, huge, unicode with NUL, lone
 * surrogates and right-to-left marks, nested JSON, odd numbers, injection strings, malformed ids,
 * unknown, missing and repeated fields), sent as a browser without JavaScript or a script would.
 * Each answer must be below 500 and say what was wrong (the page again with the form's refusal, a
 * redirect that carries it, or the API's JSON error), and nothing in the database may change.
 *
 * Runs against the console playwright.config.ts starts; the accounts, jobs and schedule it acts on
 * are its own. Jobs other specs left running or waiting are left out of the fingerprint.
 */

const baseURL = `http://localhost:${process.env.E2E_PORT}`;
const http = new Http(baseURL);
/** Where the sign-in attempts come from (a documentation address), so that no other spec's address is held back. */
const FUZZ_ADDRESS = '198.51.100.77';

type Role = 'A' | 'B' | 'admin' | 'auditor';

interface World {
  cookies: Record<Role, string>;
  /** Personal API tokens, for /api/v1. */
  tokens: Record<Role, string>;
  watch: DatabaseWatch;
  jobs: { aWait: number; aDone: number; aFailed: number; aCancelled: number; bWait: number; bDone: number };
  artifacts: { a: number; b: number };
  scheduleId: number;
  users: { a: string };
  signer: { email: string };
  revokedCookie: string;
  /** Hidden fields of each form, as the pages rendered them. */
  forms: Record<string, [string, string][]>;
  launchPages: { task: string; path: string; hidden: [string, string][]; fields: FieldInfo[] }[];
  allTasks: string[];
  queues: string[];
  settings: Record<string, string>;
}

let world: World;

/** A field of a launch form, as the page renders it. */
interface FieldInfo {
  name: string;
  tag: string;
  type: string;
  min?: number;
  max?: number;
  maxLength?: number;
  options?: string[];
  required: boolean;
}

/** The fields of the launch form on `html`, with the limits the page gives them (the task's schema, rendered). */
function launchFields(html: string): FieldInfo[] {
  const form = html.split('<form').find((part) => part.includes('name="priority"'))!;
  const fields: FieldInfo[] = [];
  for (const match of form.matchAll(/<(input|textarea|select)\b([^>]*)>/g)) {
    const attributes = Object.fromEntries([...match[2]!.matchAll(/([a-zA-Z-]+)="([^"]*)"/g)].map((attribute) => [attribute[1]!, attribute[2]!]));
    const name = attributes.name;
    if (!name || attributes.type === 'hidden' || name === 'priority') continue;
    const info: FieldInfo = { name, tag: match[1]!, type: attributes.type ?? match[1]!, required: new RegExp(`for="field-${name}"[^>]*>[^<]*<span class="text-red-700"> \\*`).test(form) };
    if (attributes.min !== undefined) info.min = Number(attributes.min);
    if (attributes.max !== undefined) info.max = Number(attributes.max);
    if (attributes.maxLength !== undefined) info.maxLength = Number(attributes.maxLength);
    if (match[1] === 'select') {
      const body = form.slice(match.index!, form.indexOf('</select>', match.index));
      info.options = [...body.matchAll(/<option[^>]*value="([^"]*)"/g)].map((option) => option[1]!);
    }
    fields.push(info);
  }
  return fields;
}

/** A page's HTML as `role` gets it; it must be there. */
async function page(path: string, role: Role | 'anonymous'): Promise<string> {
  const reply = await http.send(path, { cookie: role === 'anonymous' ? undefined : world.cookies[role] });
  expect(reply.status, `GET ${path} as ${role}`).toBe(200);
  return reply.text;
}

/** The hidden fields of the form found by `marker` (a field's name with `field`), which must be on the page. */
function formOf(html: string, marker: string, field = false): [string, string][] {
  const fields = field ? hiddenFormFields(html, marker) : hiddenFieldsOfForm(html, marker);
  expect(fields, `a form with ${marker}`).not.toBeNull();
  return fields!;
}

test.describe.configure({ timeout: 600_000 });

test.beforeAll(async ({ database }) => {
  test.setTimeout(120_000);
  const db = database.db;
  const suffix = crypto.randomBytes(4).toString('hex');
  const password = `fuzz-${crypto.randomBytes(12).toString('base64url')}`;
  const make = (role: 'user' | 'admin' | 'auditor', name: string) => createAccount(db, { email: `fuzz-${name}-${suffix}@example.test`, role, password });
  const [a, b, admin, auditor, signer, leaver] = await Promise.all([
    make('user', 'a'),
    make('user', 'b'),
    make('admin', 'admin'),
    make('auditor', 'auditor'),
    make('user', 'signer'),
    make('user', 'leaver'),
  ]);
  const cookies = {} as Record<Role, string>;
  const tokens = {} as Record<Role, string>;
  for (const [role, account] of [
    ['A', a],
    ['B', b],
    ['admin', admin],
    ['auditor', auditor],
  ] as const) {
    cookies[role] = await signIn(baseURL, account.email, password);
    tokens[role] = (await createApiToken(db, { kind: 'person', ...account }, { name: 'fuzz' }, { origin: 'web' })).token;
  }

  // Jobs that stay as they are: waiting ten years ahead, or ended (without a worker, as one would leave them).
  const later = new Date(Date.now() + 10 * 365 * 86_400_000);
  const ids = await enqueueJobs(db, [
    { task: pingTask, payload: { message: 'fuzz A waiting' }, origin: 'web', ownerId: a.id, runAt: later },
    { task: pingTask, payload: { message: 'fuzz A done' }, origin: 'web', ownerId: a.id, runAt: later },
    { task: pingTask, payload: { message: 'fuzz A failed' }, origin: 'web', ownerId: a.id, runAt: later },
    { task: pingTask, payload: { message: 'fuzz A cancelled' }, origin: 'web', ownerId: a.id, runAt: later },
    { task: pingTask, payload: { message: 'fuzz B waiting' }, origin: 'web', ownerId: b.id, runAt: later },
    { task: pingTask, payload: { message: 'fuzz B done' }, origin: 'web', ownerId: b.id, runAt: later },
  ]);
  const [aWait, aDone, aFailed, aCancelled, bWait, bDone] = ids as [number, number, number, number, number, number];
  for (const [id, status] of [
    [aDone, 'completed'],
    [aFailed, 'failed'],
    [aCancelled, 'cancelled'],
    [bDone, 'completed'],
  ] as const) {
    // Ended long ago, so that no statistic, alert or other spec's view of the last hours counts them.
    await db.execute(sql`update jobs set status = ${status}, started_at = '2001-01-01Z', finished_at = '2001-01-01Z', attempts = 1 where id = ${id}`);
    await db.execute(sql`select graphile_worker.remove_job(${queueJobKey(id)})`);
  }
  const content = Buffer.from('task,jobs\nping,1\n');
  const [artifactA] = await db.insert(jobArtifacts).values({ jobId: aDone, attempt: 1, name: 'fuzz-a.csv', contentType: 'text/csv; charset=utf-8', size: content.byteLength, content }).returning({ id: jobArtifacts.id });
  const [artifactB] = await db.insert(jobArtifacts).values({ jobId: bDone, attempt: 1, name: 'fuzz-b.csv', contentType: 'text/csv; charset=utf-8', size: content.byteLength, content }).returning({ id: jobArtifacts.id });
  const [schedule] = await db
    .insert(schedules)
    .values({ task: 'ping', payload: {}, firstRunAt: new Date('2099-01-01T00:00:00Z'), ownerId: admin.id, active: false })
    .returning({ id: schedules.id });

  world = {
    cookies,
    tokens,
    watch: undefined as unknown as DatabaseWatch,
    jobs: { aWait, aDone, aFailed, aCancelled, bWait, bDone },
    artifacts: { a: artifactA!.id, b: artifactB!.id },
    scheduleId: schedule!.id,
    users: { a: a.id },
    signer: { email: signer.email },
    revokedCookie: '',
    forms: {},
    launchPages: [],
    allTasks: [],
    queues: [],
    settings: {},
  };

  // The forms, as each page renders them.
  const jobsPage = await page('/jobs', 'admin');
  world.forms.signOut = formOf(jobsPage, '>Sign out<');
  world.forms.clear = formOf(jobsPage, 'tab', true);
  world.forms.preview = formOf(await page('/jobs', 'A'), 'id="bulk-actions"');
  world.forms.run = formOf(await page(`/jobs/bulk?action=cancel&ids=${aWait}`, 'A'), 'ids', true).filter(([name]) => name.startsWith('$ACTION'));
  world.forms.control = formOf(await page(`/jobs/${aWait}`, 'A'), 'jobId', true);
  world.forms.priority = formOf(await page(`/jobs/${aWait}`, 'admin'), 'Set priority');
  const queuesPage = await page('/queues', 'admin');
  world.queues = [...queuesPage.matchAll(/aria-label="Queue ([^"]+)"/g)].map((match) => match[1]!);
  world.forms.queue = formOf(queuesPage, `aria-label="Queue ${world.queues[0]}"`);
  const tasksPage = await page('/tasks', 'admin');
  const taskNames = [...tasksPage.matchAll(/aria-label="Task ([^"]+) active"/g)].map((match) => match[1]!);
  world.forms.taskActive = formOf(tasksPage, `aria-label="Task ${taskNames[0]} active"`);
  world.forms.taskNote = formOf(tasksPage, 'note', true);
  const schedulesPage = await page('/schedules', 'admin');
  world.forms.createSchedule = formOf(schedulesPage, 'firstRunAt', true);
  world.forms.schedule = formOf(schedulesPage, `aria-label="Schedule ${schedule!.id}"`);
  const dashboard = await page('/dashboard', 'admin');
  world.forms.settings = formOf(dashboard, 'alerts.webhookUrl', true);
  world.settings = Object.fromEntries([...dashboard.matchAll(/name="((?:thresholds|alerts)\.[^"]+)"[^>]*?value="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]));
  world.forms.signIn = formOf(await page('/login', 'anonymous'), 'email', true);

  const launchable = [...new Set([...(await page('/jobs/new', 'A')).matchAll(/href="\/jobs\/new\/([a-z0-9-]+)"/g)].map((match) => match[1]!))];
  for (const task of launchable) {
    const html = await page(`/jobs/new/${task}`, 'A');
    world.launchPages.push({ task, path: `/jobs/new/${task}`, hidden: formOf(html, 'priority', true), fields: launchFields(html) });
  }
  world.allTasks = [...new Set([...taskNames, ...launchable, 'bulk-action'])];
  expect(world.launchPages.length).toBeGreaterThan(2);
  expect(Object.keys(world.settings).length).toBeGreaterThanOrEqual(12);

  // A session that has been signed out: its cookie is well signed, and must do nothing any more.
  const leaverCookie = await signIn(baseURL, leaver.email, password);
  const signedOut = await http.postForm('/jobs', world.forms.signOut, { cookie: leaverCookie });
  expect(signedOut.status).toBe(303);
  world.revokedCookie = leaverCookie;

  world.watch = await DatabaseWatch.start(database, [aWait, bWait]);
});

test.afterAll(async ({ database }) => {
  console.log(`\nFuzzing, issue 8 (e2e/fuzz.spec.ts):\n${summaryTable()}\n`);
  if (!world) return;
  // What this spec made, so that later specs do not see it.
  await database.db.delete(schedules).where(sql`${schedules.id} = ${world.scheduleId}`);
  for (const id of [world.jobs.aWait, world.jobs.bWait]) await database.db.execute(sql`select graphile_worker.remove_job(${queueJobKey(id)})`);
  await database.db.execute(sql`delete from jobs where id = any(${`{${Object.values(world.jobs).join(',')}}`}::bigint[])`);
});

// ---------------------------------------------------------------------------------------------
// Building forms

/** The form's hidden fields with some replaced by `values` (added when the form has none, left out when null). */
function withHidden(hidden: [string, string][], values: Record<string, FieldValue | null>): Fields {
  const fields: Fields = hidden.filter(([name]) => !(name in values));
  for (const [name, value] of Object.entries(values)) if (value !== null) fields.push([name, value]);
  return fields;
}

/** A JSON value as React's wire format carries it: a string starting with `$` is escaped as `$$…`. */
function wireJson(value: unknown): string {
  const escape = (item: unknown): unknown =>
    typeof item === 'string' ? (item.startsWith('$') ? `$${item}` : item) : Array.isArray(item) ? item.map(escape) : item && typeof item === 'object' ? Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, escape(inner)])) : item;
  return JSON.stringify(escape(value));
}

/** The bound-arguments field of a `useActionState` form (`$ACTION_<n>:1`). */
const boundField = (hidden: [string, string][]) => hidden.find(([name]) => /^\$ACTION_\d+:1$/.test(name))![0];

const junkFields = (known: readonly string[]) => unknownFields(known);
/** Values of a repeated field, sent after the first (which is what `form.get` reads). */
const repeats = fc.array(hostileValue, { maxLength: 2 });
const encoding = fc.constantFrom<'multipart' | 'urlencoded'>(...Array(9).fill('multipart'), 'urlencoded');

interface ActionInput {
  as: Role | 'anonymous';
  path: string;
  fields: Fields;
  encoding: 'multipart' | 'urlencoded';
  /** What the refusal must say. */
  message?: RegExp;
  /** Whether the form, and so its refusal, is on the page the viewer gets back. */
  shown?: boolean;
  /** The page is not theirs (an admin page for a user): 404, with the refusal in the state if any. */
  notTheirs?: boolean;
}

/** Posts a server action's form and judges the answer: the page again, with the refusal. */
async function sendAction(input: ActionInput): Promise<Outcome> {
  const reply = await http.postForm(input.path, input.fields, { cookie: input.as === 'anonymous' ? undefined : world.cookies[input.as], encoding: input.encoding });
  if (input.encoding === 'urlencoded') {
    // Next.js runs server actions from multipart forms only: this one is the page, as for a GET.
    const expected = input.notTheirs ? 404 : 200;
    return { status: reply.status, problems: reply.status === expected && actionStateOf(reply.text) === undefined ? [] : [`status ${reply.status}, state ${JSON.stringify(actionStateOf(reply.text))?.slice(0, 200)}`] };
  }
  if (input.notTheirs && reply.status === 404) {
    const state = actionStateOf(reply.text);
    return { status: reply.status, problems: state === undefined || refusalOf(state) ? [] : [`404 with a state that is no refusal: ${JSON.stringify(state).slice(0, 200)}`] };
  }
  return { status: reply.status, problems: refusedOnPage(reply, { shown: input.shown, message: input.message }) };
}

/** Hidden fields of `form`, then `fields`, then repeats of the first of them, then fields the form does not have. */
const actionInput = (
  form: string,
  build: fc.Arbitrary<{ as: Role | 'anonymous'; path: string; fields: Fields; message?: RegExp; shown?: boolean; notTheirs?: boolean; hidden?: Record<string, FieldValue | null> }>,
  known: readonly string[],
): fc.Arbitrary<ActionInput> =>
  fc.tuple(build, repeats, junkFields(known), encoding).map(([base, again, extra, how]) => {
    const fields = withHidden(world.forms[form]!, base.hidden ?? {});
    fields.push(...base.fields);
    const first = base.fields[0] ?? Object.entries(base.hidden ?? {}).find(([, value]) => value !== null);
    if (first) for (const value of again) fields.push([first[0], value]);
    fields.push(...extra);
    return { as: base.as, path: base.path, fields, encoding: how, message: base.message, shown: base.shown, notTheirs: base.notTheirs };
  });

const priority = fc.constantFrom(...jobPriorities);
const badPriority = fc.oneof(hostileValue, fc.constantFrom('urgent', 'HIGH', ' high', 'high ', 'normal\n', '0', '-20')).filter((value) => typeof value !== 'string' || (value !== '' && !(jobPriorities as readonly string[]).includes(value)));
const anyPriorityField = fc.oneof(priority, badPriority, fc.constant(''));

// ---------------------------------------------------------------------------------------------
// Server actions

test('launch a job: unknown tasks, arguments that break the task’s schema, bad priorities, admin tasks', async () => {
  const pages = world.launchPages;
  /** A value the task refuses for this field, whatever the other fields hold. */
  const invalidFor = (field: FieldInfo): fc.Arbitrary<string> | null => {
    const withNul = fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([before, after]) => `${before}\u0000${after}`);
    const tooLong = (length: number) => fc.tuple(fc.constantFrom('x', 'é', '<', '9'), fc.integer({ min: length + 1, max: length + 3000 })).map(([unit, count]) => unit.repeat(count));
    const filled = (text: string) => text.trim() !== '';
    if (field.type === 'checkbox') return null;
    if (field.type === 'number') {
      const valid = (text: string) => {
        const trimmed = text.trim();
        const number = Number(trimmed);
        return trimmed === '' || (/^[-+]?\d+(\.\d+)?$/.test(trimmed) && Number.isInteger(number) && number >= (field.min ?? -Infinity) && number <= (field.max ?? Infinity));
      };
      return fc
        .oneof(
          hostileText,
          numbersAsText,
          fc.integer({ min: 1, max: 10 ** 9 }).map((over) => String((field.max ?? 0) + over)),
          fc.integer({ min: 1, max: 10 ** 9 }).map((under) => String((field.min ?? 0) - under)),
          fc.constantFrom('1.5', '2.000001', '1e2', 'NaN', '--1', '1_0'),
        )
        .filter((text) => !valid(text));
    }
    if (field.tag === 'select') return fc.oneof(hostileText, fc.constantFrom(' ,', ';;', 'TAB', 'semicolon')).filter((text) => filled(text) && !field.options!.includes(text));
    if (field.type === 'date') return fc.oneof(hostileText, fc.constantFrom('1969-12-31', '3000-01-01', '2026-13-01', '2026-00-10', '26-01-01', '2026/01/01', '2026-1-1')).filter((text) => filled(text) && (!/^\d{4}-\d{2}-\d{2}$/.test(text) || /^(19[0-6]|3|2026-(13|00))/.test(text)));
    if (field.type === 'url') return fc.oneof(withNul.map((text) => `http://a.example/${text}`), fc.constantFrom('javascript:alert(1)', 'ftp://a.example', 'not a url', 'file:///etc/passwd', 'http//x'), tooLong(field.maxLength ?? 2000).map((text) => `https://a.example/${text}`));
    const options: fc.Arbitrary<string>[] = [withNul.filter(filled)];
    if (field.maxLength !== undefined) options.push(tooLong(field.maxLength));
    if (field.required) options.push(fc.constantFrom(' ', '\t\n', '   '));
    return fc.oneof(...options);
  };
  /** Anything at all in some of the other fields. */
  const otherFields = (fields: FieldInfo[]) =>
    fields.length === 0 ? fc.constant([] as [FieldInfo, FieldValue][]) : fc.array(fc.tuple(fc.constantFrom(...fields), fc.oneof(hostileValue, fc.constant(''))), { maxLength: 3 });
  const csvBase = (task: string): Fields => (task === 'csv-import-check' ? [['csv', 'identifier,title\n1,fuzz']] : []);
  const launch = (page: World['launchPages'][number], bound: unknown, fields: Fields, message: RegExp) => ({
    as: 'A' as const,
    path: page.path,
    fields,
    message,
    hidden: { [boundField(page.hidden)]: wireJson([bound, {}]) },
  });
  const pageArbitrary = fc.constantFrom(...pages);
  const inputs = fc.oneof(
    // Not a task, or not even a string, in the form's bound argument.
    fc.tuple(pageArbitrary, fc.oneof(hostileText.filter((name) => !world.allTasks.filter((task) => task !== 'bulk-action').includes(name)), fc.constant('bulk-action'), fc.jsonValue({ maxDepth: 3 }).filter((value) => typeof value !== 'string'))).map(([page, bound]) =>
      launch(page, bound, [], /There is no such task/),
    ),
    // One field the task's schema refuses; the others anything at all.
    pageArbitrary
      .filter((page) => page.fields.some((field) => invalidFor(field) !== null))
      .chain((page) => {
        const candidates = page.fields.filter((field) => invalidFor(field) !== null);
        return fc.constantFrom(...candidates).chain((bad) =>
          fc.tuple(invalidFor(bad)!, otherFields(page.fields.filter((field) => field.name !== bad.name)), anyPriorityField).map(([value, others, level]) => {
            const fields: Fields = [[bad.name, value], ...csvBase(page.task).filter(([name]) => name !== bad.name && !others.some(([other]) => other.name === name))];
            for (const [other, otherValue] of others) fields.push([other.name, otherValue]);
            fields.push(['priority', level]);
            return launch(page, page.task, fields, /Please correct the fields marked below|inactive/);
          }),
        );
      }),
    // A priority that is none of the four.
    fc.tuple(pageArbitrary, badPriority).map(([page, level]) => launch(page, page.task, [['priority', level], ...csvBase(page.task)], /Please correct the fields marked below|inactive/)),
    // An administrators' task, launched by a user.
    fc.tuple(pageArbitrary, fc.constantFrom('prune-history', 'queue-maintenance')).map(([page, task]) => launch(page, task, [], /You cannot launch/)),
  );
  const known = [...new Set(pages.flatMap((page) => page.fields.map((field) => field.name))), 'priority'];
  await fuzzTarget({
    target: 'action: launch a job',
    inputs: fc.tuple(inputs, repeats, junkFields(known), encoding).map(([base, again, extra, how]) => {
      const page = pages.find((candidate) => candidate.path === base.path)!;
      const fields = withHidden(page.hidden, base.hidden);
      fields.push(...base.fields);
      if (base.fields[0]) for (const value of again) fields.push([base.fields[0][0], value]);
      fields.push(...extra);
      return { as: base.as, path: base.path, fields, encoding: how, message: base.message } satisfies ActionInput;
    }),
    send: sendAction,
    watch: world.watch,
  });
});

test('cancel, stop, force-stop or retry one job: malformed ids, others’ jobs, states the action does not apply to', async () => {
  const { aWait, aDone, aFailed, aCancelled, bWait, bDone } = world.jobs;
  const actions = ['cancel', 'stop', 'force-stop', 'retry'] as const;
  const wrongState: [number, (typeof actions)[number][]][] = [
    [aDone, ['cancel', 'stop', 'force-stop', 'retry']],
    [aFailed, ['cancel', 'stop', 'force-stop']],
    [aCancelled, ['cancel', 'stop', 'force-stop']],
    [aWait, ['stop', 'force-stop', 'retry']],
  ];
  const path = `/jobs/${aWait}`;
  const badAction = fc.oneof(hostileValue, fc.constantFrom('CANCEL', 'delete', 'force_stop', 'retry ', '')).filter((value) => typeof value !== 'string' || !(actions as readonly string[]).includes(value));
  const as = (role: Role, jobId: FieldValue, action: FieldValue, message: RegExp, shown = true) => ({ as: role, path, fields: [['action', action]] as Fields, hidden: { jobId }, message, shown });
  await fuzzTarget({
    target: 'action: cancel / stop / retry a job',
    inputs: actionInput(
      'control',
      fc.oneof(
        fc.tuple(malformedId, fc.oneof(fc.constantFrom(...actions), badAction)).map(([id, action]) => as('A', id, action, /That is not an action on a job/)),
        fc.tuple(fc.oneof(fc.constantFrom(bWait, bDone).chain(idSpelling), missingId), fc.constantFrom(...actions)).map(([id, action]) => as('A', id, action, /Job not found/)),
        fc.constantFrom(...wrongState).chain(([id, wrong]) => fc.tuple(idSpelling(id), fc.constantFrom(...wrong))).map(([id, action]) => as('A', id, action, /has already ended|is not running yet|can be retried/)),
        fc.tuple(fc.oneof(fc.constantFrom(aWait, aDone, aFailed).map(String), malformedId), badAction).map(([id, action]) => as('A', id, action, /That is not an action on a job/)),
        fc.tuple(fc.constantFrom(aWait, aDone, aFailed, aCancelled, bWait).map(String), fc.constantFrom(...actions)).map(([id, action]) => as('auditor', id, action, /Auditors cannot change jobs/, false)),
      ),
      ['jobId', 'action'],
    ),
    send: sendAction,
    watch: world.watch,
  });
});

test('change a waiting job’s priority: malformed ids, jobs not waiting, priorities that do not exist, non-admins', async () => {
  const { aWait, aDone, aFailed, bDone } = world.jobs;
  const path = `/jobs/${aWait}`;
  const as = (role: Role, jobId: FieldValue, level: FieldValue, message: RegExp, shown = true) => ({ as: role, path, fields: [['priority', level]] as Fields, hidden: { jobId }, message, shown });
  await fuzzTarget({
    target: 'action: change priority',
    inputs: actionInput(
      'priority',
      fc.oneof(
        fc.tuple(malformedId, anyPriorityField).map(([id, level]) => as('admin', id, level, /Choose a priority|Job not found/)),
        fc.tuple(fc.oneof(fc.constantFrom(aDone, aFailed, bDone).chain(idSpelling), missingId), priority).map(([id, level]) => as('admin', id, level, /only a waiting job|Job not found/)),
        fc.tuple(fc.constantFrom(aWait, aDone).chain(idSpelling), badPriority).map(([id, level]) => as('admin', id, level, /Choose a priority/)),
        fc.tuple(fc.constantFrom(aWait).map(String), priority).map(([id, level]) => as('A', id, level, /Only administrators change priorities/, false)),
      ),
      ['jobId', 'priority'],
    ),
    send: sendAction,
    watch: world.watch,
  });
});

const queueActions = ['pause', 'resume', 'purge'];
test('pause, resume or purge a queue: unknown and malformed queue names, unknown actions, non-admins', async () => {
  const unknownQueue = fc.oneof(hostileValue, fc.constantFrom('DEFAULT', 'default_', 'imports.', 'maintenance-2', 'bulk ', ' ', '', 'a'.repeat(101))).filter((name) => typeof name !== 'string' || !world.queues.includes(name.trim()));
  const badAction = fc.oneof(hostileValue, fc.constantFrom('PAUSE', 'stop', 'delete', '')).filter((value) => typeof value !== 'string' || !queueActions.includes(value));
  const as = (role: Role, queue: FieldValue, action: FieldValue, message: RegExp) => ({ as: role, path: '/queues', fields: [['action', action]] as Fields, hidden: { queue }, message, notTheirs: role !== 'admin' });
  await fuzzTarget({
    target: 'action: pause / resume / purge a queue',
    inputs: actionInput(
      'queue',
      fc.oneof(
        fc.tuple(unknownQueue, fc.constantFrom(...queueActions)).map(([queue, action]) => as('admin', queue, action, /There is no queue|Not a queue name|Name a queue|At most 100 characters|not an action on a queue/)),
        fc.tuple(fc.oneof(fc.constantFrom(...world.queues), unknownQueue), badAction).map(([queue, action]) => as('admin', queue, action, /That is not an action on a queue/)),
        fc.tuple(fc.constantFrom(...world.queues), fc.constantFrom(...queueActions)).map(([queue, action]) => as('A', queue, action, /Only administrators/)),
      ),
      ['queue', 'action'],
    ),
    send: sendAction,
    watch: world.watch,
  });
});

const unknownTaskName = () => fc.oneof(hostileValue, fc.constantFrom('PING', 'ping ', ' ping', 'bulk_action', 'history report', '', 'x'.repeat(101))).filter((name) => typeof name !== 'string' || !world.allTasks.includes(name.trim()));

test('turn a task on or off: unknown tasks, unknown actions, non-admins', async () => {
  const badAction = fc.oneof(hostileValue, fc.constantFrom('ACTIVATE', 'enable', 'off', '')).filter((value) => typeof value !== 'string' || !['activate', 'deactivate'].includes(value));
  const tasks = world.allTasks.filter((task) => task !== 'bulk-action');
  const as = (role: Role, task: FieldValue, action: FieldValue, message: RegExp) => ({ as: role, path: '/tasks', fields: [['action', action]] as Fields, hidden: { task }, message, notTheirs: role !== 'admin' });
  await fuzzTarget({
    target: 'action: activate / deactivate a task',
    inputs: actionInput(
      'taskActive',
      fc.oneof(
        fc.tuple(unknownTaskName(), fc.constantFrom('activate', 'deactivate')).map(([task, action]) => as('admin', task, action, /There is no task called|Name a task|at most 100 characters|not an action on a task/)),
        fc.tuple(fc.oneof(fc.constantFrom(...tasks), unknownTaskName()), badAction).map(([task, action]) => as('admin', task, action, /That is not an action on a task/)),
        fc.tuple(fc.constantFrom(...tasks), fc.constantFrom('activate', 'deactivate')).map(([task, action]) => as('A', task, action, /Only administrators/)),
      ),
      ['task', 'action'],
    ),
    send: sendAction,
    watch: world.watch,
  });
});

test('write a task’s note: unknown tasks, notes too long or with NUL, notes that are not text, non-admins', async () => {
  const tasks = world.allTasks.filter((task) => task !== 'bulk-action');
  const badNote = fc.oneof(
    fc.tuple(fc.constantFrom('n', 'é', '<b>', '9'), fc.integer({ min: 2_001, max: 20_000 })).map(([unit, count]) => unit.repeat(count)),
    fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 })).map(([before, after]) => `${before}\u0000${after}`),
    fileValue,
  );
  const as = (role: Role, task: FieldValue, note: FieldValue | null, message: RegExp) => ({ as: role, path: '/tasks', fields: (note === null ? [] : [['note', note]]) as Fields, hidden: { task }, message, notTheirs: role !== 'admin' });
  await fuzzTarget({
    target: 'action: task note',
    inputs: actionInput(
      'taskNote',
      fc.oneof(
        fc.tuple(unknownTaskName(), fc.oneof(hostileValue, fc.constant(''))).map(([task, note]) => as('admin', task, note, /There is no task called|Name a task|at most 100 characters|not a note on a task|note/)),
        fc.tuple(fc.constantFrom(...tasks), badNote).map(([task, note]) => as('admin', task, note, /at most 2,000 characters|cannot contain NUL|not a note on a task/)),
        fc.constantFrom(...tasks).map((task) => as('admin', task, null, /That is not a note on a task/)),
        fc.tuple(fc.constantFrom(...tasks), fc.string({ maxLength: 50 })).map(([task, note]) => as('A', task, note, /Only administrators/)),
      ),
      ['task', 'note'],
    ),
    send: sendAction,
    watch: world.watch,
  });
});

test('create a schedule: unknown tasks, arguments that are not a JSON object or break the schema, bad times and repetitions', async () => {
  const base: Record<string, FieldValue> = { task: 'ping', arguments: '', firstRunAt: '2099-01-01T00:00', repeatUnit: 'none', repeatEvery: '', priority: '' };
  const notJson = fc.oneof(hostileText, fc.constantFrom('{', '{"a":}', "{'a':1}", '{"a":1,}', 'NaN', '{"a":1}{"b":2}')).filter((text) => {
    if (text.trim() === '') return false;
    try {
      const value: unknown = JSON.parse(text);
      return typeof value !== 'object' || value === null || Array.isArray(value);
    } catch {
      return true;
    }
  });
  /** A JSON object a task's schema refuses: one of its fields of the wrong type or out of bounds. */
  const badArguments = fc.constantFrom(...world.launchPages.filter((page) => page.fields.length > 0)).chain((page) =>
    fc.constantFrom(...page.fields).chain((field) => {
      const wrong: fc.Arbitrary<unknown> =
        field.type === 'number'
          ? fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }).filter((value) => typeof value !== 'number'), fc.constantFrom((field.max ?? 0) + 1, (field.min ?? 0) - 1, 1.5))
          : field.type === 'checkbox'
            ? fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.boolean()))
            : field.tag === 'select'
              ? fc.oneof(fc.integer(), fc.constant(null), fc.string().filter((text) => !field.options!.includes(text)))
              : fc.oneof(
                  fc.integer(),
                  fc.boolean(),
                  fc.constant(null),
                  fc.array(fc.string()),
                  fc.constant({ nested: { deeper: [1, 2, 3] } }),
                  fc.constant('a\u0000b'),
                  ...(field.maxLength === undefined ? [] : [fc.constant('x'.repeat(field.maxLength + 1))]),
                );
      return fc.tuple(wrong, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 })).map(([value, extra]) => ({ task: page.task, text: JSON.stringify({ ...extra, ...(page.task === 'csv-import-check' ? { csv: 'a,b' } : {}), [field.name]: value }) }));
    }),
  );
  const validTime = (text: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(text.trim());
  const as = (role: Role, values: Record<string, FieldValue | null>, message: RegExp) => {
    const fields: Fields = [];
    for (const [name, value] of Object.entries({ ...base, ...values })) if (value !== null) fields.push([name, value]);
    return { as: role, path: '/schedules', fields, message, notTheirs: role !== 'admin' };
  };
  await fuzzTarget({
    target: 'action: create a schedule',
    inputs: actionInput(
      'createSchedule',
      fc.oneof(
        unknownTaskName().map((task) => as('admin', { task }, /Please correct the fields marked below|no task|Choose a task/)),
        notJson.map((text) => as('admin', { arguments: text }, /Please correct the fields marked below/)),
        badArguments.map(({ task, text }) => as('admin', { task, arguments: text }, /Please correct the fields marked below/)),
        fc.oneof(hostileValue, fc.constantFrom('2000-01-01T00:00', '1970-01-01T00:00Z', '2026-02-30T25:61', '99999-01-01T00:00', 'tomorrow', '')).filter((value) => typeof value !== 'string' || !validTime(value) || value.startsWith('19') || value.startsWith('2000')).map((firstRunAt) => as('admin', { firstRunAt }, /Please correct the fields marked below/)),
        fc.constant(null).map(() => as('admin', { firstRunAt: null }, /Please correct the fields marked below/)),
        // A file where text belongs reads as no value, which is the default for these two: only text can be wrong there.
        fc.oneof(hostileText, fc.constantFrom('weeks', 'MINUTES', 'hour', 'none ')).filter((value) => value.trim() !== '' && !['none', 'minutes', 'hours', 'days', 'months'].includes(value)).map((repeatUnit) => as('admin', { repeatUnit }, /Please correct the fields marked below/)),
        fc.tuple(fc.constantFrom('minutes', 'hours', 'days', 'months'), fc.oneof(fc.constantFrom('', ' ', '0', '1001', '-1', '1.5', 'NaN'), hostileValue)).filter(([, every]) => {
          if (typeof every !== 'string' || every.trim() === '') return true;
          const number = Number(every);
          return !(Number.isInteger(number) && number >= 1 && number <= 1000);
        }).map(([repeatUnit, repeatEvery]) => as('admin', { repeatUnit, repeatEvery }, /Please correct the fields marked below/)),
        badPriority.filter((value): value is string => typeof value === 'string' && value.trim() !== '').map((level) => as('admin', { priority: level }, /Please correct the fields marked below/)),
        fc.constant(null).map(() => as('A', {}, /Only administrators/)),
      ),
      Object.keys(base).concat('start'),
    ),
    send: sendAction,
    watch: world.watch,
  });
});

test('start, stop or delete a schedule: malformed and unknown ids, unknown actions, non-admins', async () => {
  const actions = ['start', 'stop', 'delete'];
  const badAction = fc.oneof(hostileValue, fc.constantFrom('START', 'run', 'remove', '')).filter((value) => typeof value !== 'string' || !actions.includes(value));
  const as = (role: Role, id: FieldValue, action: FieldValue, message: RegExp) => ({ as: role, path: '/schedules', fields: [['action', action]] as Fields, hidden: { id }, message, notTheirs: role !== 'admin' });
  await fuzzTarget({
    target: 'action: start / stop / delete a schedule',
    inputs: actionInput(
      'schedule',
      fc.oneof(
        fc.tuple(malformedId, fc.oneof(fc.constantFrom(...actions), badAction)).map(([id, action]) => as('admin', id, action, /That is not an action on a schedule/)),
        fc.tuple(missingId, fc.constantFrom(...actions)).map(([id, action]) => as('admin', id, action, /Schedule not found/)),
        fc.tuple(idSpelling(world.scheduleId), badAction).map(([id, action]) => as('admin', id, action, /That is not an action on a schedule/)),
        fc.tuple(fc.constant(String(world.scheduleId)), fc.constantFrom(...actions)).map(([id, action]) => as('A', id, action, /Only administrators/)),
      ),
      ['id', 'action'],
    ),
    send: sendAction,
    watch: world.watch,
  });
});

test('save the dashboard settings: numbers out of range or not numbers, levels the wrong way round, bad webhooks, non-admins', async () => {
  const names = Object.keys(world.settings);
  const badValue = fc.oneof(
    hostileValue,
    numbersAsText,
    fc.constantFrom('-1', '1000001', '10081', '101', '1.5', 'Infinity', 'NaN', 'ftp://hooks.example', 'http://', 'javascript:alert(1)', `https://hooks.example/${'x'.repeat(2001)}`),
  );
  /** What the action hands the schema: each field as `form.get` reads it (a file is no number, and no text). */
  const asTheActionReads = (fields: Fields) => {
    const get = (name: string) => {
      const value = fields.find(([field]) => field === name)?.[1];
      return value === undefined ? null : typeof value === 'string' ? value : {};
    };
    const pair = (name: string) => ({ warning: get(`thresholds.${name}.warning`), critical: get(`thresholds.${name}.critical`) });
    return {
      thresholds: { queueLength: pair('queueLength'), waitMinutes: pair('waitMinutes'), ratePerMinute: pair('ratePerMinute'), failurePercent: pair('failurePercent') },
      alerts: { queueLength: get('alerts.queueLength'), failurePercent: get('alerts.failurePercent'), stuckJobs: get('alerts.stuckJobs'), waitMinutes: get('alerts.waitMinutes'), webhookUrl: get('alerts.webhookUrl') ?? '' },
    };
  };
  const corrupted = fc
    .tuple(fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: 4 }), fc.array(badValue, { minLength: 4, maxLength: 4 }), fc.boolean())
    .map(([which, values, drop]) => {
      const fields: Fields = [];
      for (const name of names) {
        const index = which.indexOf(name);
        if (index === -1) fields.push([name, world.settings[name]!]);
        else if (!(drop && index === 0)) fields.push([name, values[index]!]);
      }
      return fields;
    })
    .filter((fields) => !dashboardSettingsSchema.safeParse(asTheActionReads(fields)).success);
  await fuzzTarget({
    target: 'action: dashboard settings',
    inputs: actionInput(
      'settings',
      fc.oneof(
        { arbitrary: corrupted.map((fields) => ({ as: 'admin' as const, path: '/dashboard', fields, message: /Some settings are not valid/ })), weight: 9 },
        { arbitrary: fc.constant(null).map(() => ({ as: 'A' as const, path: '/dashboard', fields: Object.entries(world.settings) as Fields, message: /Only administrators/, notTheirs: true })), weight: 1 },
      ),
      names,
    ),
    send: sendAction,
    watch: world.watch,
  });
});

test('sign in: any email and password, an account’s email with a wrong one, missing fields; the limiter holds them back', async ({ database }) => {
  const keysBefore = new Set((await database.db.execute<{ key: string }>(sql`select key from sign_in_limits`)).map((row) => row.key));
  const email = world.signer.email;
  const variants = fc.constantFrom(email, email.toUpperCase(), ` ${email} `, `${email[0]!.toUpperCase()}${email.slice(1)}`);
  const wrongPassword = fc.oneof(hostileValue, fc.string({ minLength: 1, maxLength: 300 }), hugeText);
  const fields = (values: Record<string, FieldValue | null>): Fields => Object.entries(values).flatMap(([name, value]) => (value === null ? [] : [[name, value] as [string, FieldValue]]));
  const inputs = fc.oneof(
    fc.tuple(hostileValue, wrongPassword, fc.option(hostileValue, { nil: null })).map(([address, password, callbackUrl]) => fields({ email: address, password, callbackUrl })),
    fc.tuple(variants, wrongPassword, fc.option(fc.constantFrom('/jobs', '//evil.example', 'https://evil.example', '/\\evil', 'javascript:alert(1)'), { nil: null })).map(([address, password, callbackUrl]) => fields({ email: address, password, callbackUrl })),
    fc.tuple(fc.option(hostileValue, { nil: null }), fc.oneof(fc.constant(null), fc.constant(''), fileValue)).map(([address, password]) => fields({ email: address, password })),
    fc.tuple(fc.constantFrom('', ' ', '\t'), wrongPassword).map(([address, password]) => fields({ email: address, password })),
  );
  await fuzzTarget({
    target: 'action: sign in',
    inputs: fc.tuple(inputs, junkFields(['email', 'password', 'callbackUrl'])).map(([own, extra]) => [...world.forms.signIn!, ...own, ...extra] as Fields),
    send: async (form) => {
      const reply = await http.postForm('/login', form, { headers: { 'x-forwarded-for': FUZZ_ADDRESS } });
      const problems = refusedOnPage(reply, { message: /Incorrect email or password|Too many failed sign-ins|Enter your email and password/ });
      if (reply.setCookie.some((cookie) => /session-token=[^;]/.test(cookie))) problems.push('a session cookie was set');
      return { status: reply.status, problems };
    },
    watch: world.watch,
    // Failed attempts are counted and audited, by design: checked below instead.
    ignoring: signInParts,
  });
  const added = (await database.db.execute<{ key: string }>(sql`select key from sign_in_limits`)).map((row) => row.key).filter((key) => !keysBefore.has(key));
  expect(added.filter((key) => !key.startsWith('account:') && key !== `address:${FUZZ_ADDRESS}`)).toEqual([]);
  const [limit] = await database.db.execute<{ points: number }>(sql`select points from sign_in_limits where key = ${`address:${FUZZ_ADDRESS}`}`);
  expect(limit?.points, 'the fuzzing reached the per-address limit').toBeGreaterThanOrEqual(50);
});

test('sign out: no session, a forged or garbled cookie, a session already signed out', async () => {
  const cookieText = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 400 });
  const cookies = fc.oneof(
    fc.constant(''),
    cookieText.map((value) => `authjs.session-token=${value}`),
    fc.tuple(cookieText, cookieText).map(([name, value]) => `${name}=${value}`),
    fc.constant(world.revokedCookie),
    cookieText.map((junk) => `${world.revokedCookie}${junk}`),
    fc.integer({ min: 3_000, max: 7_000 }).map((length) => `authjs.session-token=${'A'.repeat(length)}`),
  );
  await fuzzTarget({
    target: 'action: sign out',
    inputs: fc.tuple(cookies, junkFields([])).map(([cookie, extra]) => ({ cookie, fields: [...world.forms.signOut!, ...extra] as Fields })),
    send: async ({ cookie, fields }) => {
      const reply = await http.postForm('/jobs', fields, { cookie: cookie || undefined });
      const problems = [303, 307].includes(reply.status) && /\/login/.test(reply.location ?? '') ? [] : [`status ${reply.status} to ${reply.location} (expected a redirect to /login)`];
      return { status: reply.status, problems };
    },
    watch: world.watch,
  });
});

test('clear inactive jobs, as an auditor (who may not): any tab, any fields', async () => {
  await fuzzTarget({
    target: 'action: clear inactive jobs',
    inputs: fc.tuple(fc.option(hostileValue, { nil: null }), repeats, junkFields(['tab'])).map(([tab, again, extra]) => {
      const fields: Fields = world.forms.clear!.filter(([name]) => name !== 'tab');
      if (tab !== null) fields.push(['tab', tab], ...again.map((value) => ['tab', value] as [string, FieldValue]));
      return [...fields, ...extra];
    }),
    send: async (fields) => {
      const reply = await http.postForm('/jobs', fields, { cookie: world.cookies.auditor });
      const ok = reply.status === 303 && /^\/jobs\?tab=(all|active|failed)&notice=cannot-clear$/.test(reply.location ?? '');
      return { status: reply.status, problems: ok ? [] : [`status ${reply.status} to ${reply.location} (expected /jobs?tab=…&notice=cannot-clear)`] };
    },
    watch: world.watch,
  });
});

// The bulk form: `action`, `ids` (checked rows), `scope` (selected or view), `view` (the filter as a query), `priority`.
/** A bulk request that is wrong by construction, with what makes it wrong. */
const badBulkRequest = () => {
  const { aWait, aDone, aFailed } = world.jobs;
  const ownIds = fc.subarray([aWait, aDone, aFailed].map(String), { minLength: 1 });
  const action = fc.constantFrom(...bulkActions);
  const badAction = fc.oneof(hostileValue, fc.constantFrom('CANCEL', 'delete', 'force_stop', '')).filter((value) => typeof value !== 'string' || !(bulkActions as readonly string[]).includes(value));
  const badId = malformedId.filter((value) => !isPositiveId(value));
  // The view comes back in the redirect's Location: kept to a few kB, as a header must be.
  const echoed = hostileText.filter((text) => percentEncode(text).length <= 4000);
  const invalidFilter = fc.oneof(
    fc.tuple(fc.constantFrom('tab', 'status', 'origin', 'priority'), echoed).filter(([key, value]) => value !== '' && !([...jobTabs, ...jobStatuses, ...jobOrigins, ...jobPriorities] as string[]).includes(value) && !(key !== 'tab' && value === '')),
    fc.tuple(fc.constantFrom('task', 'queue'), fc.integer({ min: 101, max: 3000 })).map(([key, length]) => [key, 'q'.repeat(length)] as [string, string]),
    fc.tuple(fc.constantFrom('user', 'q'), fc.integer({ min: 201, max: 3000 })).map(([key, length]) => [key, 'u'.repeat(length)] as [string, string]),
    fc.tuple(fc.constantFrom('task', 'queue', 'user', 'q'), fc.string({ maxLength: 10 })).map(([key, text]) => [key, `abc\u0000${text}`] as [string, string]),
    fc.tuple(fc.constantFrom('from', 'to'), fc.oneof(echoed, fc.constantFrom('2026-13-01', 'yesterday', '01/02/2026'))).filter(([, value]) => value.trim() !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(value.trim())),
    fc.constantFrom<[string, string]>(['q', 'ab'], ['q', ' é '], ['q', '😀']),
  );
  const validPrefix = fc.constantFrom('', 'tab=failed', 'task=ping&status=failed', 'q=fuzz', 'tab=active&priority=low');
  const view = fc.tuple(validPrefix, invalidFilter).map(([prefix, [key, value]]) => `${prefix}${prefix ? '&' : ''}${percentEncode(key)}=${percentEncode(value)}`);
  const fields = (values: { action: FieldValue; ids?: FieldValue[]; scope?: FieldValue; view?: FieldValue; priority?: FieldValue }): Fields => {
    const list: Fields = [['action', values.action]];
    for (const id of values.ids ?? []) list.push(['ids', id]);
    if (values.scope !== undefined) list.push(['scope', values.scope]);
    if (values.view !== undefined) list.push(['view', values.view]);
    if (values.priority !== undefined) list.push(['priority', values.priority]);
    return list;
  };
  return fc.oneof(
    fc.tuple(badAction, ownIds, fc.option(fc.constantFrom('selected', 'view'), { nil: undefined })).map(([what, ids, scope]) => fields({ action: what, ids, scope, view: scope === 'view' ? 'tab=all' : undefined })),
    fc.tuple(action, ownIds, fc.array(badId, { minLength: 1, maxLength: 3 }), anyPriorityField).map(([what, ids, bad, level]) => fields({ action: what, ids: [...ids, ...bad], scope: 'selected', priority: level })),
    fc.tuple(action, fc.option(fc.oneof(hostileValue, fc.constant('selected')).filter((scope) => scope !== 'view'), { nil: undefined })).map(([what, scope]) => fields({ action: what, scope, priority: 'high' })),
    fc.tuple(action, view, fc.array(fc.constantFrom(String(world.jobs.aWait)), { maxLength: 2 })).map(([what, filter, ids]) => fields({ action: what, ids, scope: 'view', view: filter, priority: 'low' })),
    fc.tuple(ownIds, fc.option(badPriority, { nil: undefined })).map(([ids, level]) => fields({ action: 'priority', ids, scope: 'selected', priority: level === '' ? undefined : level })),
    fc.tuple(action, fc.integer({ min: 1001, max: 1500 })).map(([what, count]) => fields({ action: what, ids: Array.from({ length: count }, (_, index) => String(10 ** 9 + index)), scope: 'selected', priority: 'high' })),
    // No rows checked, and a `view` that is not the page's query at all.
    fc.tuple(action, fc.oneof(echoed, fileValue)).map(([what, junk]) => fields({ action: what, scope: 'selected', view: junk, priority: 'high' })),
  );
};

test('preview a bulk action: unknown actions, malformed ids, no selection, a view that is no filter, no priority', async () => {
  await fuzzTarget({
    target: 'action: preview a bulk action',
    inputs: fc.tuple(badBulkRequest(), junkFields(['action', 'ids', 'scope', 'view', 'priority'])).map(([own, extra]) => [...world.forms.preview!, ...own, ...extra] as Fields),
    send: async (fields) => {
      const reply = await http.postForm('/jobs', fields, { cookie: world.cookies.A });
      const location = reply.location ?? '';
      let message: string | null = null;
      try {
        const url = new URL(location, baseURL);
        message = url.pathname === '/jobs' ? url.searchParams.get('bulkError') : null;
      } catch {
        message = null;
      }
      return { status: reply.status, problems: reply.status === 303 && message?.trim() ? [] : [`status ${reply.status} to ${location.slice(0, 300)} (expected /jobs?…&bulkError=…)`] };
    },
    watch: world.watch,
  });
});

test('run a bulk action: the same bad requests, posted to the confirmation', async () => {
  await fuzzTarget({
    target: 'action: run a bulk action (bad requests)',
    inputs: fc.tuple(badBulkRequest(), junkFields(['action', 'ids', 'scope', 'view', 'priority'])).map(([own, extra]) => [...world.forms.run!, ...own, ...extra] as Fields),
    send: async (fields) => {
      const reply = await http.postForm(`/jobs/bulk?action=cancel&ids=${world.jobs.aWait}`, fields, { cookie: world.cookies.A });
      return { status: reply.status, problems: reply.status === 303 && reply.location === '/jobs' ? [] : [`status ${reply.status} to ${reply.location} (expected /jobs)`] };
    },
    watch: world.watch,
  });
});

test('run a bulk action that the viewer may not: a user changing priorities, an auditor changing anything', async () => {
  const { aWait, aDone, aFailed } = world.jobs;
  const ids = fc.subarray([aWait, aDone, aFailed].map(String), { minLength: 1 });
  const inputs = fc.oneof(
    fc.tuple(ids, priority).map(([list, level]) => ({ as: 'A' as const, fields: [['action', 'priority'], ...list.map((id) => ['ids', id]), ['priority', level]] as Fields })),
    fc.tuple(fc.constantFrom(...bulkActions), ids, priority).map(([action, list, level]) => ({ as: 'auditor' as const, fields: [['action', action], ...list.map((id) => ['ids', id]), ['priority', level]] as Fields })),
    fc.tuple(fc.constantFrom(...bulkActions), fc.constantFrom('tab=all', 'tab=failed', 'task=ping')).map(([action, view]) => ({ as: 'auditor' as const, fields: [['action', action], ['scope', 'view'], ['view', view], ['priority', 'high']] as Fields })),
  );
  await fuzzTarget({
    target: 'action: run a bulk action (not allowed)',
    inputs: fc.tuple(inputs, junkFields(['action', 'ids', 'scope', 'view', 'priority'])).map(([own, extra]) => ({ as: own.as, fields: [...world.forms.run!, ...own.fields, ...extra] as Fields })),
    send: async ({ as, fields }) => {
      const reply = await http.postForm(`/jobs/bulk?action=cancel&ids=${aWait}`, fields, { cookie: world.cookies[as] });
      const refused = (reply.status === 303 && (reply.location ?? '').startsWith('/jobs')) || (reply.status === 200 && refusalOf(actionStateOf(reply.text)) !== null) || [403, 404].includes(reply.status);
      return { status: reply.status, problems: refused ? [] : [`status ${reply.status} to ${reply.location} (expected a refusal)`] };
    },
    watch: world.watch,
  });
});

// ---------------------------------------------------------------------------------------------
// Server actions called with arguments of the wrong type, and malformed encodings

/** Every server action, where its form is, and how many arguments come before the form (bound ones, the previous state). */
const actionTable = () => {
  const idOf = (form: [string, string][]) => {
    const reference = form.find(([name]) => /^\$ACTION_\d+:0$/.test(name));
    return reference ? (JSON.parse(reference[1]) as { id: string }).id : form.find(([name]) => name.startsWith('$ACTION_ID_'))![0].slice('$ACTION_ID_'.length);
  };
  const launch = world.launchPages[0]!;
  return [
    { name: 'launch', path: launch.path, form: launch.hidden, id: idOf(launch.hidden), before: 2, as: 'A' as Role },
    { name: 'control', path: `/jobs/${world.jobs.aWait}`, form: world.forms.control!, id: idOf(world.forms.control!), before: 1, as: 'A' as Role },
    { name: 'priority', path: `/jobs/${world.jobs.aWait}`, form: world.forms.priority!, id: idOf(world.forms.priority!), before: 1, as: 'admin' as Role },
    { name: 'queue', path: '/queues', form: world.forms.queue!, id: idOf(world.forms.queue!), before: 1, as: 'admin' as Role },
    { name: 'taskActive', path: '/tasks', form: world.forms.taskActive!, id: idOf(world.forms.taskActive!), before: 1, as: 'admin' as Role },
    { name: 'taskNote', path: '/tasks', form: world.forms.taskNote!, id: idOf(world.forms.taskNote!), before: 1, as: 'admin' as Role },
    { name: 'createSchedule', path: '/schedules', form: world.forms.createSchedule!, id: idOf(world.forms.createSchedule!), before: 1, as: 'admin' as Role },
    { name: 'schedule', path: '/schedules', form: world.forms.schedule!, id: idOf(world.forms.schedule!), before: 1, as: 'admin' as Role },
    { name: 'settings', path: '/dashboard', form: world.forms.settings!, id: idOf(world.forms.settings!), before: 1, as: 'admin' as Role },
    { name: 'signIn', path: '/login', form: world.forms.signIn!, id: idOf(world.forms.signIn!), before: 1, as: 'auditor' as Role },
    { name: 'clear', path: '/jobs', form: world.forms.clear!, id: idOf(world.forms.clear!), before: 0, as: 'auditor' as Role },
    { name: 'preview', path: '/jobs', form: world.forms.preview!, id: idOf(world.forms.preview!), before: 0, as: 'A' as Role },
    { name: 'run', path: `/jobs/bulk?action=cancel&ids=${world.jobs.aWait}`, form: world.forms.run!, id: idOf(world.forms.run!), before: 0, as: 'A' as Role },
  ];
};

/** What is not a form: every JSON type but an object that happens to look like one. */
const notAForm = fc.oneof(hostileText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }));

test('server actions given arguments of the wrong type: a form’s bound arguments rewritten, or a call in React’s wire format', async () => {
  const actions = actionTable();
  const inputs = fc.oneof(
    // As a browser without JavaScript posts the form, with its bound arguments (`$ACTION_<n>:1`) shifted or replaced.
    fc
      .tuple(fc.constantFrom(...actions.filter((action) => action.before > 0)), fc.array(fc.oneof(notAForm, fc.constant({})), { maxLength: 4 }))
      // As many as the action binds is the form as it is (its previous state is not read): not a wrong type.
      .filter(([action, bound]) => bound.length !== action.before)
      .map(([action, bound]) => ({ kind: 'form' as const, action: action.name, bound: bound as unknown[] })),
    // As React's client calls a server action (header `Next-Action`), with the form's place held by anything but a form.
    fc.tuple(fc.constantFrom(...actions), fc.array(notAForm, { maxLength: 2 }), fc.option(notAForm, { nil: undefined })).map(([action, before, form]) => ({ kind: 'call' as const, action: action.name, bound: [...before, ...(form === undefined ? [] : [form])] })),
  );
  await fuzzTarget({
    target: 'actions: arguments of the wrong type',
    inputs,
    send: async (input) => {
      const action = actions.find((candidate) => candidate.name === input.action)!;
      const cookie = world.cookies[action.as];
      let reply: Reply;
      if (input.kind === 'form') {
        const fields: Fields = action.form.map(([name, value]) => [name, name === boundField(action.form) ? wireJson(input.bound) : value]);
        reply = await http.postForm(action.path, fields, { cookie });
      } else {
        reply = await http.send(action.path, {
          method: 'POST',
          cookie,
          headers: { origin: baseURL, 'next-action': action.id, accept: 'text/x-component' },
          body: Buffer.from(wireJson(input.bound)),
          contentType: 'text/plain;charset=UTF-8',
        });
      }
      return { status: reply.status, problems: reply.status < 500 ? [] : [`${reply.status}: ${reply.text.slice(0, 200)}`] };
    },
    watch: world.watch,
  });
});

test('malformed encodings, decoded before any of the app’s code: server-action fields that are not React’s format, percent-encoding that is not UTF-8', async () => {
  const actions = actionTable();
  const notWireFormat = fc.oneof(
    fc.constantFrom('[', '{"a":', '"unterminated', '[1,2', '\u0000', ''),
    fc.constantFrom('$Q1', '$K1', '$F1', '$T', '$B1', '$n', '$D', '$@99', '$W1', '$h1', '$Y').map((reference) => JSON.stringify([reference, {}])),
    hostileText.filter((text) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    }),
  );
  const inputs = fc.oneof(
    fc.tuple(fc.constantFrom(...actions.filter((action) => action.before > 0)), fc.oneof(notWireFormat, fileValue)).map(([action, value]) => ({ kind: 'bound' as const, action: action.name, value })),
    fc.tuple(fc.constantFrom(...actions), notWireFormat).map(([action, value]) => ({ kind: 'call' as const, action: action.name, value })),
    fc.tuple(fc.constantFrom('/api/jobs/%ZZ/artifacts/1', '/api/jobs/1/artifacts/%', '/jobs/%E0%A4%A', '/api/jobs/1/artifacts/%ED%A0%80', '/jobs/new/%C0%AF', '/api/jobs/%FF/artifacts/%FE'), fc.constantFrom('A', 'admin')).map(([path, as]) => ({ kind: 'path' as const, action: path, value: as })),
  );
  await fuzzTarget({
    target: 'actions and routes: malformed encodings',
    inputs,
    send: async (input) => {
      let reply: Reply;
      if (input.kind === 'path') {
        reply = await http.send(input.action, { cookie: world.cookies[input.value as Role] });
      } else {
        const action = actions.find((candidate) => candidate.name === input.action)!;
        const cookie = world.cookies[action.as];
        if (input.kind === 'bound') {
          const fields: Fields = action.form.map(([name, value]) => [name, name === boundField(action.form) ? input.value : value]);
          reply = await http.postForm(action.path, fields, { cookie });
        } else {
          reply = await http.send(action.path, { method: 'POST', cookie, headers: { origin: baseURL, 'next-action': action.id, accept: 'text/x-component' }, body: Buffer.from(String(input.value)), contentType: 'text/plain;charset=UTF-8' });
        }
      }
      // Paths are the app's (the proxy refuses what does not decode); the rest is Next.js/React's.
      return { status: reply.status, problems: reply.status < 500 || input.kind !== 'path' ? [] : [`${reply.status}: ${reply.text.slice(0, 200)}`] };
    },
    frameworkOnly: (input) => input.kind !== 'path',
    watch: world.watch,
  });
});

test('a body over 2 MB is refused with 413 before the action runs, and changes nothing', async () => {
  const before = await world.watch.read();
  const launch = world.launchPages.find((page) => page.task === 'ping') ?? world.launchPages[0]!;
  const reply = await http.postForm(launch.path, [...launch.hidden, ['message', 'x'.repeat(2.5 * 1024 * 1024)], ['priority', 'normal']], { cookie: world.cookies.A });
  expect(reply.status).toBe(413);
  expect(refusedAsJson(reply, [413], ['payload_too_large'])).toEqual([]);
  expect(changedParts(before, await world.watch.read())).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Route handlers

/** A query string, each name and value percent-encoded as bytes (lone surrogates included). */
const query = (pairs: [string, string][]) => pairs.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
/** Text a route handler reads as it is: no NUL, no lone surrogate, for values that must stay valid. */
const plainText = (max: number) => fc.oneof(fc.constantFrom(...injections.filter((text) => !/[\u0000\uD800-\uDFFF]/.test(text))), fc.string({ maxLength: max }), fc.string({ unit: 'grapheme', maxLength: Math.floor(max / 4) })).filter((text) => text.length <= max && !text.includes('\u0000'));

/** Text for a query string: a URL's whole request line must stay under the server's 16 kB of headers. */
const queryText = hostileText.filter((text) => percentEncode(text).length <= 1500);
/** Export filters that are wrong by construction; the wrong value is the last of its name (the one the handler reads). */
const badExportFilter = fc.oneof(
  fc.tuple(fc.constant('format'), fc.oneof(queryText, fc.constantFrom('', 'CSV', 'json', 'xlsx', 'csv '))).filter(([, value]) => value !== 'csv' && value !== 'jsonl'),
  fc.tuple(fc.constant('tab'), fc.oneof(queryText, fc.constantFrom('', 'ALL', 'done'))).filter(([, value]) => !(jobTabs as readonly string[]).includes(value)),
  fc.tuple(fc.constantFrom('status', 'origin', 'priority'), queryText).filter(([, value]) => value !== '' && !([...jobStatuses, ...jobOrigins, ...jobPriorities] as string[]).includes(value)),
  fc.tuple(fc.constantFrom('task', 'queue'), fc.integer({ min: 101, max: 2500 })).map(([name, length]) => [name, 't'.repeat(length)] as [string, string]),
  fc.tuple(fc.constantFrom('user', 'q'), fc.integer({ min: 201, max: 2500 })).map(([name, length]) => [name, 'u'.repeat(length)] as [string, string]),
  fc.tuple(fc.constantFrom('task', 'queue', 'user', 'q'), plainText(20)).map(([name, text]) => [name, `abc\u0000${text}`] as [string, string]),
  fc.tuple(fc.constantFrom('from', 'to'), fc.oneof(queryText, fc.constantFrom('2026-13-01', 'yesterday', '01/02/2026', '2026-02-30'))).filter(([, value]) => value.trim() !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(value.trim())),
  fc.constantFrom<[string, string]>(['q', 'ab'], ['q', ' é '], ['q', '😀'], ['q', 'a😀']),
);
/** Filters that pass: hostile text where text is allowed, the choices as they are. */
const goodExportFilter = fc.record(
  {
    format: fc.constantFrom('csv', 'jsonl'),
    tab: fc.constantFrom(...jobTabs),
    task: plainText(30),
    queue: plainText(30),
    user: plainText(60),
    q: plainText(60).map((text) => `fuz${text}`),
    status: fc.constantFrom('', ...jobStatuses),
    origin: fc.constantFrom('', ...jobOrigins),
    priority: fc.constantFrom('', ...jobPriorities),
    from: fc.constantFrom('', '1970-01-01', '2026-01-01'),
    to: fc.constantFrom('', '2999-12-31', '2026-12-31'),
  },
  { requiredKeys: ['format'] },
);
const strayParameters = fc.array(fc.tuple(queryText.filter((name) => !['format', 'tab', 'task', 'queue', 'user', 'q', 'status', 'origin', 'priority', 'from', 'to', 'actor', 'action'].includes(name)), queryText), { maxLength: 2 });

test('GET /api/jobs/export: formats and filters that are not, as a user; 400 with the API’s error each time', async () => {
  await fuzzTarget({
    target: 'route: GET /api/jobs/export',
    inputs: fc.tuple(fc.array(badExportFilter, { minLength: 1, maxLength: 2 }), strayParameters, fc.boolean()).map(([bad, stray, earlier]) => {
      // A good value of the same name before the bad one: the handler reads the last.
      const pairs: [string, string][] = earlier ? bad.map(([name]) => [name, name === 'format' ? 'csv' : '']) : [];
      return [...pairs, ...stray, ...bad];
    }),
    send: async (pairs) => {
      const reply = await http.send(`/api/jobs/export?${query(pairs)}`, { cookie: world.cookies.A });
      return { status: reply.status, problems: refusedAsJson(reply, [400], ['bad_request']) };
    },
    watch: world.watch,
  });
});

test('GET /api/jobs/export with hostile filters that are valid: the export completes, and only its audit rows are written', async ({ database }) => {
  const lastId = async () => Number((await database.db.execute<{ id: string }>(sql`select coalesce(max(id), 0)::text as id from audit_events`))[0]!.id);
  let lastAudit = await lastId();
  // Each download's words begin with a mark of its own, so that its audit rows can be told apart.
  let downloads = 0;
  let sent: string[] = [];
  type Row = { id: string; action: string; actor: string | null; complete: boolean | null; words: string | null };
  await fuzzTarget({
    target: 'route: GET /api/jobs/export (hostile but valid filters)',
    runs: 300,
    inputs: fc.tuple(goodExportFilter, strayParameters).map(([filter, stray]) => [...stray, ...(Object.entries(filter) as [string, string][])]),
    send: async (pairs) => {
      const mark = `fz${++downloads}z`;
      sent.push(mark);
      const marked = pairs.map(([name, value]): [string, string] => [name, name === 'q' ? `${mark}${value}` : value]);
      if (!marked.some(([name]) => name === 'q')) marked.push(['q', mark]);
      const reply = await http.send(`/api/jobs/export?${query(marked)}`, { cookie: world.cookies.A });
      const format = pairs.find(([name]) => name === 'format')![1];
      const problems: string[] = [];
      if (reply.status !== 200) problems.push(`status ${reply.status}: ${reply.text.slice(0, 300)}`);
      else if (format === 'csv' && !reply.text.startsWith('startDate,endDate,jobName,jobStatus,jobInfo,jobUser')) problems.push(`not the CSV: ${reply.text.slice(0, 200)}`);
      else if (format === 'jsonl') {
        for (const line of reply.text.split('\n').filter(Boolean)) {
          try {
            JSON.parse(line);
          } catch {
            problems.push(`a line that is not JSON: ${line.slice(0, 200)}`);
            break;
          }
        }
      }
      return { status: reply.status, problems };
    },
    watch: world.watch,
    ignoring: ['audit_events'],
    // Each download is on the trail when it starts and again, with its row count, once the stream is
    // done: exactly those two rows for each, and nothing else.
    afterBatch: async () => {
      const marks = sent;
      sent = [];
      const markOf = (row: Row) => /^(fz\d+z)/.exec(row.words ?? '')?.[1] ?? null;
      let rows: Row[] = [];
      for (let wait = 0; wait < 60; wait++) {
        // Ordered by the table's id: `order by id` would sort the text column of the select list ('10000' < '9999').
        rows = await database.db.execute<Row>(
          sql`select id::text, action, actor_id::text as actor, (details->>'complete')::boolean as complete, filter->>'q' as words
              from audit_events where id > ${lastAudit} and origin <> 'schedule' order by audit_events.id`,
        );
        if (marks.every((mark) => rows.some((row) => row.action === 'jobs.export' && markOf(row) === mark))) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (rows.length > 0) lastAudit = Number(rows.at(-1)!.id);
      const problems = marks.flatMap((mark) => {
        const own = rows.filter((row) => markOf(row) === mark);
        const started = own.filter((row) => row.action === 'jobs.export_started').length;
        const done = own.filter((row) => row.action === 'jobs.export' && row.complete === true).length;
        return started === 1 && done === 1 && own.length === 2 ? [] : [`download ${mark}: ${started} started and ${done} complete on the trail (${JSON.stringify(own)})`];
      });
      const others = rows.filter((row) => row.actor !== world.users.a || !marks.includes(markOf(row) ?? ''));
      return [...problems, ...others.map((row) => `an audit row for none of these downloads: ${JSON.stringify(row)}`)];
    },
  });
});

test('GET /api/audit/export: filters that are not, as an admin or an auditor (400); anything, as a user (403)', async () => {
  const badAuditFilter = fc.oneof(
    fc.tuple(fc.constant('actor'), fc.integer({ min: 201, max: 2500 })).map(([name, length]) => [name, 'a'.repeat(length)] as [string, string]),
    fc.tuple(fc.constant('action'), fc.integer({ min: 101, max: 2500 })).map(([name, length]) => [name, 'b'.repeat(length)] as [string, string]),
    fc.tuple(fc.constantFrom('actor', 'action'), plainText(20)).map(([name, text]) => [name, `job\u0000${text}`] as [string, string]),
    fc.tuple(fc.constantFrom('from', 'to'), fc.oneof(queryText, fc.constantFrom('2026-13-01', 'now', '2026/01/01'))).filter(([, value]) => value.trim() !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(value.trim())),
  );
  await fuzzTarget({
    target: 'route: GET /api/audit/export',
    inputs: fc.oneof(
      { arbitrary: fc.tuple(fc.constantFrom<Role>('admin', 'auditor'), fc.array(badAuditFilter, { minLength: 1, maxLength: 2 }), strayParameters).map(([as, bad, stray]) => ({ as, pairs: [...stray, ...bad], expected: 400 })), weight: 4 },
      { arbitrary: fc.tuple(fc.array(fc.tuple(fc.constantFrom('actor', 'action', 'from', 'to'), queryText), { maxLength: 3 }), strayParameters).map(([pairs, stray]) => ({ as: 'A' as Role, pairs: [...pairs, ...stray], expected: 403 })), weight: 1 },
    ),
    send: async ({ as, pairs, expected }) => {
      const reply = await http.send(`/api/audit/export?${query(pairs)}`, { cookie: world.cookies[as] });
      return { status: reply.status, problems: refusedAsJson(reply, [expected], [expected === 400 ? 'bad_request' : 'forbidden']) };
    },
    watch: world.watch,
  });
});

test('GET /api/jobs/stream: a Last-Event-ID or ?since= that is no event id is a 400; a good one opens the stream', async () => {
  const isEventId = (text: string) => /^\d{1,15}$/.test(text);
  /** A header value as HTTP carries it: Latin-1, no control characters, nothing to trim. */
  const headerText = fc.string({ unit: fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 60 });
  const eventId = fc.oneof(fc.integer({ min: 0, max: 10 ** 9 }).map(String), fc.constantFrom('0', '999999999999999', '000000000000001'));
  const inputs = fc.oneof(
    { arbitrary: fc.tuple(headerText.filter((text) => !isEventId(text)), fc.option(fc.oneof(eventId, queryText), { nil: null })).map(([header, since]) => ({ header, since, valid: false })), weight: 3 },
    { arbitrary: fc.tuple(fc.oneof(queryText, numbersAsText, fc.constantFrom('', '-1', '1e3', '9999999999999999', ' 1')).filter((since) => !isEventId(since)), fc.option(fc.oneof(eventId, queryText), { nil: null })).map(([since, second]) => ({ header: null, since, second, valid: false })), weight: 5 },
    { arbitrary: fc.tuple(fc.option(eventId, { nil: null }), eventId).map(([header, since]) => ({ header, since, valid: true })), weight: 1 },
  );
  await fuzzTarget({
    target: 'route: GET /api/jobs/stream',
    inputs,
    send: async (input) => {
      const pairs: [string, string][] = input.since === null ? [] : [['since', input.since]];
      if ('second' in input && input.second !== null && input.second !== undefined) pairs.push(['since', input.second]);
      const headers: Record<string, string> = input.header === null ? {} : { 'last-event-id': input.header };
      // A stream that opens is read no further: its status and headers are the answer.
      const reply = await http.send(`/api/jobs/stream${pairs.length > 0 ? `?${query(pairs)}` : ''}`, { cookie: world.cookies.A, headers, readBody: !input.valid });
      if (input.valid) return { status: reply.status, problems: reply.status === 200 && reply.contentType.startsWith('text/event-stream') ? [] : [`status ${reply.status}, ${reply.contentType} (expected the stream)`] };
      return { status: reply.status, problems: refusedAsJson(reply, [400], ['bad_request']) };
    },
    watch: world.watch,
  });
});

test('GET /api/jobs/:id/artifacts/:artifactId: malformed and unknown ids, another user’s file, mismatched pairs are one 404', async () => {
  const { aDone, bDone } = world.jobs;
  const { a, b } = world.artifacts;
  /** A path segment that reaches the handler: not empty and not `.` or `..` (which the URL resolves away). */
  const segment = fc.oneof(queryText.filter((text) => !/[\uD800-\uDFFF]/.test(text)), numbersAsText, fc.constantFrom('0', '-1', '1.0', '1e3', `0${aDone}`, `${aDone} `, '1'.repeat(16), 'null')).filter((text) => text !== '' && text !== '.' && text !== '..' && text.length <= 1000 && !/^[1-9]\d{0,14}$/.test(text));
  const inputs = fc.oneof(
    fc.tuple(segment, fc.oneof(segment, fc.constant(String(a)))).map(([job, file]) => ({ job, file, own: false })),
    fc.tuple(fc.constant(String(aDone)), segment).map(([job, file]) => ({ job, file, own: false })),
    fc.constantFrom({ job: String(bDone), file: String(b), own: false }, { job: String(aDone), file: String(b), own: false }, { job: String(bDone), file: String(a), own: false }),
    fc.tuple(fc.integer({ min: 10 ** 10, max: 10 ** 14 }), fc.integer({ min: 10 ** 10, max: 10 ** 14 })).map(([job, file]) => ({ job: String(job), file: String(file), own: false })),
    fc.tuple(fc.constant(String(aDone)), fc.integer({ min: 10 ** 10, max: 10 ** 14 })).map(([job, file]) => ({ job, file: String(file), own: false })),
    fc.constant({ job: String(aDone), file: String(a), own: true }),
  );
  await fuzzTarget({
    target: 'route: GET /api/jobs/:id/artifacts/:artifactId',
    inputs,
    send: async ({ job, file, own }) => {
      const reply = await http.send(`/api/jobs/${percentEncode(job)}/artifacts/${percentEncode(file)}`, { cookie: world.cookies.A });
      if (own) return { status: reply.status, problems: reply.status === 200 && reply.text === 'task,jobs\nping,1\n' ? [] : [`status ${reply.status} (expected the file)`] };
      return { status: reply.status, problems: refusedAsJson(reply, [404], ['not_found']) };
    },
    watch: world.watch,
  });
});

test('/api/auth/* (next-auth): unknown actions, providers and parameters, bodies without or with a wrong CSRF token', async () => {
  const csrf = await http.send('/api/auth/csrf', { headers: { 'x-forwarded-for': FUZZ_ADDRESS } });
  const { csrfToken } = JSON.parse(csrf.text) as { csrfToken: string };
  const csrfCookie = csrf.setCookie.map((cookie) => cookie.split(';')[0]).join('; ');
  const action = fc.oneof(fc.constantFrom('signin', 'signout', 'callback', 'session', 'csrf', 'providers', 'error', 'verify-request', 'webauthn-options', 'callback/credentials', 'signin/credentials', 'callback/github'), queryText.filter((text) => text !== '' && text !== '.' && text !== '..' && !/[\uD800-\uDFFF%]/.test(text)).map(percentEncode));
  const inputs = fc.tuple(
    fc.constantFrom('GET', 'POST'),
    action,
    fc.array(fc.tuple(queryText, queryText), { maxLength: 3 }),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom('email', 'password', 'callbackUrl', 'redirect', 'json'), queryText), queryText), { maxLength: 4 }),
    fc.constantFrom('none', 'wrong', 'right'),
  );
  await fuzzTarget({
    target: 'route: /api/auth/* (next-auth)',
    inputs: inputs.map(([method, path, search, body, token]) => ({ method, path, search, body, token })),
    send: async ({ method, path, search, body, token }) => {
      const pairs: [string, string][] = [...body];
      if (token !== 'none') pairs.push(['csrfToken', token === 'right' ? csrfToken : `${csrfToken.slice(0, -2)}zz`]);
      const reply = await http.send(`/api/auth/${path}${search.length > 0 ? `?${query(search)}` : ''}`, {
        method,
        cookie: token === 'none' ? undefined : csrfCookie,
        headers: { origin: baseURL, 'x-forwarded-for': FUZZ_ADDRESS },
        body: method === 'POST' ? Buffer.from(query(pairs)) : undefined,
        contentType: method === 'POST' ? 'application/x-www-form-urlencoded' : undefined,
      });
      const problems: string[] = [];
      if (reply.setCookie.some((cookie) => /session-token=[^;]/.test(cookie))) problems.push('a session cookie was set');
      if (reply.status >= 300 && reply.status < 400 && !reply.location) problems.push('a redirect without a location');
      if (reply.status >= 400 && reply.text.trim() === '') problems.push(`status ${reply.status} with an empty body`);
      return { status: reply.status, problems };
    },
    watch: world.watch,
    ignoring: signInParts,
  });
});

// ---------------------------------------------------------------------------------------------
// The REST API (/api/v1), with personal API tokens

const bearer = (role: Role) => ({ authorization: `Bearer ${world.tokens[role]}` });
const sendJson = (path: string, role: Role, body: string, headers: Record<string, string> = {}) =>
  http.send(path, { method: 'POST', headers: { ...bearer(role), ...headers }, body: Buffer.from(body), contentType: headers['content-type'] ?? 'application/json' });

/** A launch request that is wrong by construction, as the JSON text sent. */
const badLaunchBody: fc.Arbitrary<string> = fc.oneof(
  // Not an object, or not JSON at all.
  fc.oneof(hostileText, nestedJsonText).filter((text) => {
    try {
      const value = JSON.parse(text) as unknown;
      return typeof value !== 'object' || value === null || Array.isArray(value);
    } catch {
      return true;
    }
  }),
  // An object: a task that is not one, a priority that is not one, arguments that are not an object, a field too many.
  fc
    .record({
      task: fc.oneof(hostileText, fc.constantFrom('bulk-action', 'PING', ' ping', 'ping ', ''), fc.jsonValue({ maxDepth: 2 })),
      arguments: fc.oneof(fc.constant(undefined), fc.dictionary(hostileText, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 })),
      priority: fc.oneof(fc.constant(undefined), fc.constantFrom(...jobPriorities)),
    })
    .filter((body) => body.task !== 'ping' && body.task !== 'failing' && body.task !== 'long-running' && body.task !== 'csv-import-check' && body.task !== 'history-report')
    .map((body) => JSON.stringify(body)),
  fc.record({ priority: fc.oneof(hostileText, fc.jsonValue({ maxDepth: 2 })).filter((value) => !(jobPriorities as readonly unknown[]).includes(value)) }).map(({ priority }) => JSON.stringify({ task: 'ping', priority })),
  fc.oneof(hostileText, fc.array(fc.jsonValue({ maxDepth: 2 })), fc.integer()).filter((value) => typeof value !== 'string' || value !== '').map((args) => JSON.stringify({ task: 'ping', arguments: args })),
  fc.tuple(hostileText.filter((key) => !['task', 'arguments', 'priority'].includes(key)), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => JSON.stringify({ task: 'ping', [key]: value })),
  // 201 characters that trimming cannot shorten, then anything.
  fc.oneof(hugeText, hostileText).map((message) => JSON.stringify({ task: 'ping', arguments: { message: `${'x'.repeat(201)}${message}` } })),
);

test('POST /api/v1/jobs: bodies that are no launch, as a user; 400 or 415 with the API’s error, nothing launched', async () => {
  await fuzzTarget({
    target: 'api: POST /api/v1/jobs',
    inputs: fc.tuple(badLaunchBody, fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''), fc.option(fc.uuid(), { nil: undefined })),
    send: async ([body, type, key]) => {
      const reply = await sendJson('/api/v1/jobs', 'A', body, { 'content-type': type, ...(key ? { 'idempotency-key': key } : {}) });
      const json = type.startsWith('application/json');
      return { status: reply.status, problems: refusedAsJson(reply, json ? [400] : [415, 400], json ? ['bad_request'] : ['unsupported_media_type', 'bad_request']) };
    },
    watch: world.watch,
  });
});

test('POST /api/v1/jobs with an Idempotency-Key that is not one: 400, nothing launched', async () => {
  // What a header can carry (Latin-1, no line breaks or NUL), under Node's 16 kB for all headers.
  const badKey = fc
    .oneof(hostileText, fc.constantFrom(' ', 'a b', 'é', 'x'.repeat(201), '\t'))
    .filter((key) => key.length <= 4000 && !/^[\x21-\x7e]{1,200}$/.test(key.trim()) && [...key].every((char) => char === '\t' || (char >= ' ' && char !== '\x7f' && char.charCodeAt(0) <= 0xff)));
  await fuzzTarget({
    target: 'api: POST /api/v1/jobs (Idempotency-Key)',
    runs: 300,
    inputs: badKey,
    send: async (key) => {
      const reply = await sendJson('/api/v1/jobs', 'A', JSON.stringify({ task: 'ping' }), { 'idempotency-key': key });
      return { status: reply.status, problems: refusedAsJson(reply, [400], ['bad_request']) };
    },
    watch: world.watch,
  });
});

test('one job by id (details, log, cancel, retry): malformed and missing ids, another user’s jobs, hostile bodies and queries', async () => {
  const { aWait, aDone, aFailed, bWait } = world.jobs;
  type Input = { action: 'get' | 'log' | 'cancel' | 'retry'; as: Role; id: string; body: string | null; search: [string, string][] };
  const inputs: fc.Arbitrary<Input> = fc.oneof(
    // Ids that are no job's: malformed, missing, another user's.
    fc.record({
      action: fc.constantFrom('get', 'log', 'cancel', 'retry') as fc.Arbitrary<Input['action']>,
      as: fc.constantFrom<Role>('A', 'B'),
      id: fc.oneof(malformedId.filter((value): value is string => typeof value === 'string').map(percentEncode), missingId.map(percentEncode))
        // An empty id or dots are another address once the client normalises the path (`/api/v1/jobs/` answers Next's 308 to drop the slash).
        .filter((id) => id.length <= 1500 && !/^\.*$/.test(id)),
      body: fc.option(fc.oneof(fc.constant('{}'), fc.constant('{"mode":"force"}'), hostileText.map((text) => JSON.stringify({ mode: text }))), { nil: null }),
      search: fc.constant([] as [string, string][]),
    }),
    fc.record({
      action: fc.constantFrom('get', 'log', 'cancel', 'retry') as fc.Arbitrary<Input['action']>,
      as: fc.constant<Role>('B'),
      id: fc.constantFrom(String(aWait), String(aDone), String(aFailed)),
      body: fc.option(fc.constantFrom('{}', '{"mode":"graceful"}', '{"mode":"force"}'), { nil: null }),
      search: fc.constant([] as [string, string][]),
    }),
    // A's own jobs, with a body or query the action refuses.
    fc.record({
      action: fc.constant<Input['action']>('cancel'),
      as: fc.constant<Role>('A'),
      id: fc.constant(String(aWait)),
      body: fc.oneof(
        hostileText.filter((text) => text.trim() !== '' && !['"graceful"', '"force"'].includes(text)).map((text) => JSON.stringify({ mode: text })),
        fc.tuple(hostileText.filter((key) => key !== 'mode'), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => JSON.stringify({ [key]: value })),
        fc.oneof(hostileText, nestedJsonText).filter((text) => text.trim() !== '' && !/^\s*\{/.test(text)),
      ),
      search: fc.constant([] as [string, string][]),
    }),
    fc.record({
      action: fc.constant<Input['action']>('retry'),
      as: fc.constant<Role>('A'),
      id: fc.constant(String(aFailed)),
      body: fc.tuple(hostileText, fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => JSON.stringify({ [key]: value })),
      search: fc.constant([] as [string, string][]),
    }),
    fc.record({
      action: fc.constant<Input['action']>('log'),
      as: fc.constant<Role>('A'),
      id: fc.constant(String(aDone)),
      body: fc.constant(null),
      search: fc.oneof(
        fc.tuple(fc.constant('level'), queryText.filter((text) => !['all', 'warning', 'error'].includes(text))),
        fc.tuple(fc.constantFrom('before', 'after', 'limit'), queryText.filter((text) => !/^[1-9]\d{0,14}$/.test(text))),
        fc.tuple(queryText.filter((name) => !['level', 'before', 'after', 'limit', '__proto__'].includes(name)), queryText),
      ).map((pair) => [pair] as [string, string][]),
    }),
  );
  const expected = (input: Input): { statuses: number[]; codes: string[] } => {
    const own = input.as === 'A' && [aWait, aDone, aFailed].map(String).includes(input.id);
    if (own && input.action === 'cancel') return { statuses: [400, 415], codes: ['bad_request', 'unsupported_media_type'] };
    if (own && input.action === 'retry') return { statuses: [400], codes: ['bad_request'] };
    if (own && input.action === 'log') return { statuses: [400], codes: ['bad_request'] };
    // Someone else's job, a missing one, a malformed id: not found, unless the body is refused first.
    return { statuses: [404, 400, 415], codes: ['not_found', 'bad_request', 'unsupported_media_type'] };
  };
  await fuzzTarget({
    target: 'api: /api/v1/jobs/{id}[/log|/cancel|/retry]',
    inputs,
    send: async (input) => {
      const path = `/api/v1/jobs/${input.id}${input.action === 'get' ? '' : `/${input.action}`}${input.search.length > 0 ? `?${query(input.search)}` : ''}`;
      const reply =
        input.action === 'cancel' || input.action === 'retry'
          ? await http.send(path, { method: 'POST', headers: bearer(input.as), body: input.body === null ? undefined : Buffer.from(input.body), contentType: input.body === null ? undefined : 'application/json' })
          : await http.send(path, { headers: bearer(input.as) });
      const { statuses, codes } = expected(input);
      const problems = refusedAsJson(reply, statuses, codes);
      // B never learns that A's job exists: the same answer as for a job nobody has.
      if (input.as === 'B' && [aWait, aDone, aFailed, bWait].map(String).includes(input.id) && input.body === null && reply.status !== 404) problems.push(`B got ${reply.status} on A's job`);
      return { status: reply.status, problems };
    },
    watch: world.watch,
  });
});

test('GET /api/v1/jobs: queries that are not the jobs page’s, as a user; 400 with the API’s error', async () => {
  const badListParameter = fc.oneof(
    badExportFilter.filter(([name]) => name !== 'format'),
    fc.tuple(fc.constantFrom('after', 'before', 'limit'), queryText.filter((text) => !/^[1-9]\d{0,14}$/.test(text))),
    fc.tuple(fc.constant('limit'), fc.integer({ min: 201, max: 100_000 }).map(String)),
    // (Next.js drops a `__proto__` parameter before the handler sees the URL, so it is no stray one.)
    fc.tuple(queryText.filter((name) => !['tab', 'task', 'queue', 'user', 'q', 'status', 'origin', 'priority', 'from', 'to', 'after', 'before', 'limit', '__proto__'].includes(name)), queryText),
  );
  await fuzzTarget({
    target: 'api: GET /api/v1/jobs',
    inputs: fc.array(badListParameter, { minLength: 1, maxLength: 3 }),
    send: async (pairs) => {
      const reply = await http.send(`/api/v1/jobs?${query(pairs)}`, { headers: bearer('A') });
      return { status: reply.status, problems: refusedAsJson(reply, [400], ['bad_request']) };
    },
    watch: world.watch,
  });
});

test('every /api/v1 endpoint with an Authorization header that is no token of ours: 401, nothing read or changed', async () => {
  const token = world.tokens.A;
  const nearMiss = fc.oneof(
    fc.integer({ min: 0, max: token.length - 1 }).chain((at) => fc.constantFrom('A', 'z', '_', '-', '0').filter((char) => char !== token[at]).map((char) => `${token.slice(0, at)}${char}${token.slice(at + 1)}`)),
    fc.integer({ min: 0, max: token.length - 1 }).map((cut) => token.slice(0, cut)),
    fc.constant(`${token}A`),
    fc.constant(token.toUpperCase()),
  );
  const header = fc.oneof(
    nearMiss.map((value) => `Bearer ${value}`),
    hostileText.filter((text) => text.length <= 4000 && [...text].every((char) => char >= ' ' && char !== '\x7f' && char.charCodeAt(0) <= 0xff)).map((text) => `Bearer ${text}`),
    fc.constantFrom(`Basic ${Buffer.from('a:b').toString('base64')}`, `Token ${token}`, `${token}`, 'Bearer', 'Bearer ', `Bearer  ${token} extra`, `bearer${token}`),
  );
  const endpoint = fc.constantFrom<[string, string]>(
    ['GET', '/api/v1/jobs'],
    ['POST', '/api/v1/jobs'],
    ['GET', `/api/v1/jobs/${world.jobs.aDone}`],
    ['GET', `/api/v1/jobs/${world.jobs.aDone}/log`],
    ['POST', `/api/v1/jobs/${world.jobs.aWait}/cancel`],
    ['POST', `/api/v1/jobs/${world.jobs.aFailed}/retry`],
    ['GET', '/api/v1/jobs/export'],
    ['GET', '/api/v1/events'],
    ['GET', '/api/v1/openapi.json'],
  );
  await fuzzTarget({
    target: 'api: Authorization header',
    inputs: fc.tuple(endpoint, header),
    send: async ([[method, path], authorization]) => {
      const reply = await http.send(path, {
        method,
        headers: { authorization },
        body: method === 'POST' ? Buffer.from(JSON.stringify({ task: 'ping' })) : undefined,
        contentType: method === 'POST' ? 'application/json' : undefined,
      });
      return { status: reply.status, problems: refusedAsJson(reply, [401], ['unauthorized']) };
    },
    watch: world.watch,
  });
});

test('every answer above was read as the console means it: a good request of each kind works', async () => {
  // The checks above would pass on a console that refused everything; these show it does not.
  const launch = world.launchPages.find((candidate) => candidate.task === 'ping')!;
  const page = await http.postForm(launch.path, [...launch.hidden, ['message', 'x'.repeat(201)], ['priority', 'normal']], { cookie: world.cookies.A });
  expect(refusedOnPage(page, { message: /Please correct/ })).toEqual([]);
  expect(textOf(page.text)).toContain('At most 200 characters');
  const exported = await http.send('/api/jobs/export?format=jsonl', { cookie: world.cookies.A });
  expect(exported.status).toBe(200);
  expect(exported.text).toContain(`"id":${world.jobs.aDone},`);
  const file = await http.send(`/api/jobs/${world.jobs.aDone}/artifacts/${world.artifacts.a}`, { cookie: world.cookies.A });
  expect(file.status).toBe(200);
  const job = await http.send(`/api/v1/jobs/${world.jobs.aDone}/log?level=all`, { headers: bearer('A') });
  expect(job.status).toBe(200);
  const cancelled = await http.send(`/api/v1/jobs/${world.jobs.aWait}/cancel`, { method: 'POST', headers: bearer('A'), body: Buffer.from('{"mode":"graceful"}'), contentType: 'application/json' });
  expect(cancelled.status).toBe(200);
});

