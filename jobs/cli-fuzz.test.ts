import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, getDb, type DbHandle } from '@/db/client';
import { jobPriorities, jobs, userRoles } from '@/db/schema';
import { emailSchema } from '@/lib/accounts';
import { setUpTestDatabase } from '@/test/database';
import { hostileText as anyHostileText, numbersAsText } from '@/test/hostile-values';
import { createTestUser } from '@/test/fixtures';
import { findTask, taskCatalogue } from './catalogue';
import { runCli, type CliDatabase } from './cli';
import { enqueueJobs, queueJobKey } from './enqueue';
import { argumentsWithNul } from './launch';
import { jobTabs } from './tabs';
import { taskFormFields } from './task-form';

/**
 * Issue 8, "Bad input": every command of the CLI gets at least 1,000 generated argument vectors that
 * are wrong by construction (wrong types, huge and unicode text, injection strings, nested JSON,
 * malformed ids, unknown options, missing and extra arguments). Each must end with exit code 2 and
 * a message on standard error, never an exception, and leave every table as it was.
 *
 * The CLI runs in-process (`runCli`) against this file's database, already migrated and left open
 * between commands: spawning it would take about a second per vector.
 */

const databaseUrl = setUpTestDatabase();
const RUNS = 1000;

/** The database as the test set it up: nothing to open, and the pool stays open between commands. */
const openDatabase: CliDatabase = { open: async () => {}, close: async () => {} };

// ---------------------------------------------------------------------------------------------
// Running the CLI and watching the database

interface Outcome {
  code: number | 'threw';
  stdout: string;
  stderr: string;
  thrown?: unknown;
}

let sink: { out: string[]; err: string[] } | null = null;

/** Runs one command in-process with its output captured; `password` is what standard input would hold. */
async function run(argv: string[], password: string): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  sink = { out, err };
  try {
    const code = await runCli(argv, { database: openDatabase, readPassword: async () => password });
    return { code, stdout: out.join(''), stderr: err.join('') };
  } catch (thrown) {
    return { code: 'threw', stdout: out.join(''), stderr: err.join(''), thrown };
  } finally {
    sink = null;
  }
}

let watcher: DbHandle;
let fingerprintSql: ReturnType<typeof sql.raw>;

/** Every table of the app and of graphile-worker: its row count and an md5 of all its rows. */
async function fingerprint(): Promise<Record<string, string>> {
  const rows = await watcher.db.execute<{ name: string; rows: string; md5: string }>(fingerprintSql);
  return Object.fromEntries(rows.map((row) => [row.name, `${row.rows} rows, md5 ${row.md5}`]));
}

interface Tally {
  inputs: number;
  exit2: number;
  failures: number;
  stateChanges: number;
}
const tallies = new Map<string, Tally>();

interface Case {
  argv: string[];
  /** Standard input, for `user add` and `user password`. */
  password?: string;
  /** What the message must say, when the input's kind says exactly what is wrong. */
  message?: RegExp;
}

let lastFingerprint: Record<string, string>;

/** At least RUNS generated cases: each must be refused with exit code 2 and a message, changing nothing. */
function fuzz(command: string, cases: () => fc.Arbitrary<Case>) {
  it(`${command}: ${RUNS.toLocaleString('en-US')} bad argument vectors, each refused with exit code 2 and a message, nothing changed`, async () => {
    const tally: Tally = { inputs: 0, exit2: 0, failures: 0, stateChanges: 0 };
    tallies.set(command, tally);
    await fc.assert(
      fc.asyncProperty(cases(), async (input) => {
        const before = lastFingerprint;
        const outcome = await run(input.argv, input.password ?? '');
        const after = await fingerprint();
        lastFingerprint = after;
        tally.inputs++;
        const changed = JSON.stringify(after) !== JSON.stringify(before);
        if (changed) tally.stateChanges++;
        if (outcome.code === 2) tally.exit2++;
        const problems = [
          outcome.code === 'threw' ? `threw ${outcome.thrown instanceof Error ? outcome.thrown.stack : String(outcome.thrown)}` : null,
          outcome.code !== 2 && outcome.code !== 'threw' ? `exit code ${outcome.code} (expected 2)` : null,
          outcome.stderr.trim() === '' ? 'nothing on standard error' : null,
          input.message && !input.message.test(outcome.stderr) ? `standard error does not match ${input.message}` : null,
          changed ? `the database changed: ${Object.keys(after).filter((table) => after[table] !== before[table]).join(', ')}` : null,
        ].filter((problem) => problem !== null);
        if (problems.length > 0) {
          tally.failures++;
          throw new Error(`${problems.join('; ')}\n  stdout: ${JSON.stringify(outcome.stdout.slice(0, 500))}\n  stderr: ${JSON.stringify(outcome.stderr.slice(0, 500))}`);
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
}

// ---------------------------------------------------------------------------------------------
// Generators

/** As the operating system hands arguments over: no NUL (C strings), no lone surrogates (UTF-8). */
const asArgument = (text: string) => text.replace(/\0/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Text that has no business in an argument, as the OS would pass it. */
const hostileText: fc.Arbitrary<string> = anyHostileText.map(asArgument);

/** An extra argument: anything but `--`, which only ends the options and so would not be one. */
const extraText = hostileText.filter((text) => text !== '--');

/** An option no command defines (and not `--`, which only ends the options). */
const unknownOption = fc.oneof(
  fc.constantFrom('--bogus', '-x', '-Z', '--help-me', '--force-all', '---', '--=1', '-1', '--9'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).map((name) => `--no-such-${name}`),
  hostileText.filter((text) => !text.startsWith('-')).map((text) => `--zz${text}`),
);

/** Puts `token` somewhere in `args`. */
const insertedAnywhere = (args: fc.Arbitrary<string[]>, token: fc.Arbitrary<string>) =>
  fc.tuple(args, token, fc.nat()).map(([list, extra, at]) => {
    const copy = [...list];
    copy.splice(at % (copy.length + 1), 0, extra);
    return copy;
  });

const MAX_ID = Number.MAX_SAFE_INTEGER;
/** What `z.coerce.number().int().positive().max(MAX_SAFE_INTEGER)` takes. */
const isJobId = (text: string | undefined) => {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 && value <= MAX_ID;
};
const malformedId = fc.oneof(hostileText, numbersAsText, fc.constantFrom('', ' ', '0', '-1', '1.5', 'abc', '1e400', `${MAX_ID + 2}`, 'NaN', '1 2', '0x', '١')).filter((text) => !isJobId(text));

/** A job id nobody has: well-formed, in several spellings. */
const missingId = fc.oneof(fc.integer({ min: 1_000_000, max: 2 ** 40 }), fc.constant(MAX_ID)).chain((id) => idSpelling(id));
/** The same id as the CLI reads it, spelt in ways `Number()` accepts. */
const idSpelling = (id: number) => fc.constantFrom(String(id), ` ${id} `, `+${id}`, `0${id}`, `${id}.0`, `${id}e0`, `0x${id.toString(16)}`);

const priorityLevel = fc.constantFrom(...jobPriorities);
const badLevel = fc.oneof(hostileText, fc.constantFrom('urgent', 'HIGH', ' high', 'high ', 'normal\n', '0', '-20', '')).filter((text) => !(jobPriorities as readonly string[]).includes(text));

// ---------------------------------------------------------------------------------------------
// The database the commands run on

let fixture: { queued: number; completed: number; failed: number; cancelled: number; personEmail: string };

beforeAll(async () => {
  watcher = createDb(databaseUrl(), { max: 1, applicationName: 'cli-fuzz-watcher' });
  const tables = await watcher.db.execute<{ name: string }>(sql`
    select format('%I.%I', table_schema, table_name) as name from information_schema.tables
    where table_schema in ('public', 'graphile_worker') and table_type = 'BASE TABLE' order by 1`);
  fingerprintSql = sql.raw(
    tables
      .map(({ name }) => `select '${name}' as name, count(*)::text as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as md5 from ${name} t`)
      .join('\nunion all\n'),
  );

  const person = await createTestUser('user', 'cli-fuzz');
  const ping = findTask('ping')!;
  const ids = await enqueueJobs(getDb(), [
    { task: ping, payload: {}, origin: 'cli', ownerId: null, osUser: 'fuzz' },
    { task: ping, payload: {}, origin: 'cli', ownerId: null, osUser: 'fuzz' },
    { task: ping, payload: {}, origin: 'web', ownerId: person.id },
    { task: ping, payload: {}, origin: 'cli', ownerId: null, osUser: 'fuzz' },
  ]);
  const [queued, completed, failed, cancelled] = ids as [number, number, number, number];
  // Ended without a worker: their queue entries go, as a worker's would.
  for (const [id, status] of [
    [completed, 'completed'],
    [failed, 'failed'],
    [cancelled, 'cancelled'],
  ] as const) {
    await getDb().execute(sql`update ${jobs} set status = ${status}, finished_at = now(), attempts = 1 where id = ${id}`);
    await getDb().execute(sql`select graphile_worker.remove_job(${queueJobKey(id)})`);
  }
  fixture = { queued, completed, failed, cancelled, personEmail: person.email };

  // The CLI's output, kept for each run rather than printed.
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void sink?.out.push(`${args.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void sink?.err.push(`${args.join(' ')}\n`));
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    if (!sink) return write(chunk, ...rest);
    sink.out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write);
  lastFingerprint = await fingerprint();
});

afterAll(async () => {
  vi.restoreAllMocks();
  await watcher?.close();
  const rows = [...tallies].map(([command, tally]) => `| ${command.padEnd(16)} | ${String(tally.inputs).padStart(6)} | ${String(tally.exit2).padStart(6)} | ${String(tally.failures).padStart(8)} | ${String(tally.stateChanges).padStart(13)} |`);
  console.log(
    ['CLI fuzzing (jobs/cli-fuzz.test.ts):', '| command          | inputs | exit 2 | failures | state changes |', '|------------------|--------|--------|----------|---------------|', ...rows].join('\n'),
  );
});

// ---------------------------------------------------------------------------------------------
// One property per command

const endedIds = () => [fixture.completed, fixture.failed, fixture.cancelled];
const oneOf = <T>(...arbitraries: fc.Arbitrary<T>[]) => fc.oneof(...arbitraries);
/** Arguments beyond what a command takes: any text at all, options included. */
const strayArguments = fc.array(fc.oneof(extraText, unknownOption), { minLength: 1, maxLength: 4 });

describe('the CLI refuses bad input', () => {
  it('a good command still works in-process, so the refusals below are not an artefact', async () => {
    const outcome = await run(['show', String(fixture.completed)], '');
    expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: '' });
    expect(outcome.stdout).toMatch(new RegExp(`^Job\\s+${fixture.completed}: `));
    expect(await run(['list', '--tab', 'failed'], '')).toMatchObject({ code: 0, stderr: '' });
  });

  fuzz('unknown command', () =>
    oneOf(
      fc.tuple(hostileText, fc.array(hostileText, { maxLength: 3 })).map(([command, rest]) => ({ argv: [command, ...rest] })),
      fc.constantFrom<Case>({ argv: [] }, { argv: [''] }, { argv: ['TASKS'] }, { argv: ['--tasks'] }, { argv: ['list-jobs'] }, { argv: ['-v'] }),
    ).filter(({ argv }) => !['help', '--help', '-h', 'tasks', 'task', 'enqueue', 'list', 'show', 'clear-inactive', 'cancel', 'stop', 'retry', 'priority', 'queues', 'pause', 'resume', 'purge', 'user'].includes(argv[0] ?? 'x')),
  );

  fuzz('tasks', () => strayArguments.map((args) => ({ argv: ['tasks', ...args] })));

  const taskNames = taskCatalogue.map((task) => task.name);
  const unknownTask = fc.oneof(extraText, fc.constantFrom('PING', 'pin', 'ping ', 'bulk_action', 'history report')).filter((name) => !findTask(name.trim()));
  fuzz('task', () =>
    oneOf<Case>(
      fc.tuple(fc.constantFrom('activate', 'deactivate'), unknownTask).map(([action, name]) => ({ argv: ['task', action, name], message: /There is no task called|Name a task|at most 100 characters|task takes a subcommand|Unknown option|ambiguous/ })),
      fc.tuple(unknownTask, fc.array(extraText, { minLength: 1, maxLength: 3 })).map(([name, words]) => ({ argv: ['task', 'note', name, ...words] })),
      fc.tuple(fc.constantFrom(...taskNames), fc.integer({ min: 2_001, max: 20_000 }), fc.constantFrom('n', 'é', '😀', '<b>')).map(([name, length, unit]) => ({
        argv: ['task', 'note', name, unit.repeat(length)],
        message: /at most 2,000 characters/,
      })),
      fc.tuple(fc.constantFrom('activate', 'deactivate'), fc.constantFrom(...taskNames), fc.array(extraText, { minLength: 1, maxLength: 3 })).map(([action, name, extra]) => ({ argv: ['task', action, name, ...extra] })),
      fc.constantFrom<Case>({ argv: ['task'] }, { argv: ['task', 'activate'] }, { argv: ['task', 'note'] }, { argv: ['task', 'note', 'ping'] }),
      fc.tuple(hostileText.filter((action) => !['activate', 'deactivate', 'note'].includes(action)), fc.constantFrom(...taskNames)).map(([action, name]) => ({ argv: ['task', action, name] })),
      insertedAnywhere(fc.tuple(fc.constantFrom('activate', 'deactivate'), fc.constantFrom(...taskNames)).map((args) => [...args]), unknownOption).map((args) => ({ argv: ['task', ...args] })),
    ),
  );

  /** A payload a task refuses: one of its own fields holds a hostile value. */
  const badPayload = fc
    .tuple(
      fc.constantFrom(...taskCatalogue),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
      fc.array(fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostileText, fc.integer(), fc.double(), fc.constantFrom(null, true, -1, 1e308, '', '\u0000', [], {})), { minLength: 1, maxLength: 3 }),
    )
    .map(([task, extra, values]) => {
      const fields = taskFormFields(task).map((field) => field.name);
      const payload: Record<string, unknown> = { ...extra };
      values.forEach((value, index) => {
        if (fields.length > 0) payload[fields[index % fields.length]!] = value;
      });
      return { task, payload };
    })
    .filter(({ task, payload }) => {
      const parsed = task.schema.safeParse(payload);
      return !parsed.success || argumentsWithNul(parsed.data as Record<string, unknown>).length > 0;
    });
  const isCount = (text: string) => {
    const value = Number(text);
    return Number.isInteger(value) && value >= 1 && value <= 20_000;
  };
  fuzz('enqueue', () =>
    oneOf<Case>(
      fc.tuple(fc.oneof(hostileText, fc.constantFrom('PING', 'ping ', ' ping', 'Ping', 'jobs-console:schedule')), fc.constantFrom([], ['--args', '{}'])).filter(([name]) => !findTask(name) && !name.startsWith('-')).map(([name, rest]) => ({
        argv: ['enqueue', name, ...rest],
        message: /There is no task called|enqueue takes one task name/,
      })),
      fc.tuple(fc.constantFrom(...taskNames), fc.oneof(hostileText, fc.constantFrom('{', '{"a":}', "{'a':1}", '{"a":1,}', 'NaN', '', '{"a":1}{"b":2}'))).filter(([, text]) => {
        try {
          const value: unknown = JSON.parse(text);
          return typeof value !== 'object' || value === null || Array.isArray(value);
        } catch {
          return true;
        }
      }).map(([name, text]) => ({ argv: ['enqueue', name, `--args=${text}`], message: /--args/ })),
      badPayload.map(({ task, payload }) => ({ argv: ['enqueue', task.name, '--args', JSON.stringify(payload)], message: /not valid|inactive/ })),
      fc.tuple(fc.constantFrom(...taskNames.filter((name) => name !== 'bulk-action')), badLevel).map(([name, level]) => ({ argv: ['enqueue', name, `--priority=${level}`], message: /priority must be one of|not valid/ })),
      fc.tuple(fc.constantFrom(...taskNames), fc.oneof(numbersAsText, hostileText, fc.constantFrom('0', '-5', '20001', '1e9', '2.5', ''))).filter(([, count]) => !isCount(count)).map(([name, count]) => ({
        argv: ['enqueue', name, `--count=${count}`],
        message: /--count must be a whole number/,
      })),
      fc.tuple(fc.constantFrom(...taskNames), fc.array(extraText.filter((text) => !text.startsWith('-')), { minLength: 1, maxLength: 3 })).map(([name, extra]) => ({
        argv: ['enqueue', name, ...extra],
        message: /enqueue takes one task name/,
      })),
      insertedAnywhere(fc.constantFrom(['ping'], ['ping', '--count', '2'], ['long-running', '--args', '{"durationSeconds": 1}']), unknownOption).map((args) => ({ argv: ['enqueue', ...args] })),
      fc.constantFrom<Case>({ argv: ['enqueue'] }, { argv: ['enqueue', '--args', '{}'] }, { argv: ['enqueue', 'ping', '--args'] }, { argv: ['enqueue', 'ping', '--count'] }),
    ),
  );

  const isLimit = (text: string) => {
    const value = Number(text);
    return Number.isInteger(value) && value >= 1 && value <= 1000;
  };
  fuzz('list', () =>
    oneOf<Case>(
      fc.oneof(hostileText, fc.constantFrom('ALL', 'Active', 'failed ', 'done', '')).filter((tab) => !(jobTabs as readonly string[]).includes(tab)).map((tab) => ({ argv: ['list', `--tab=${tab}`], message: /--tab must be one of/ })),
      fc.oneof(numbersAsText, hostileText, fc.constantFrom('0', '1001', '-1', '', '2.5')).filter((limit) => !isLimit(limit)).map((limit) => ({ argv: ['list', `--limit=${limit}`], message: /--limit must be a whole number/ })),
      insertedAnywhere(fc.constantFrom([], ['--tab', 'active'], ['--limit', '5']), unknownOption).map((args) => ({ argv: ['list', ...args] })),
      strayArguments.map((args) => ({ argv: ['list', ...args] })),
    ),
  );

  fuzz('show', () =>
    oneOf<Case>(
      malformedId.map((id) => ({ argv: ['show', id] })),
      missingId.map((id) => ({ argv: ['show', id], message: /There is no job/ })),
      fc.tuple(fc.constantFrom(...[1, 2, 3, 4]), fc.array(extraText, { minLength: 1, maxLength: 3 })).map(([index, extra]) => ({ argv: ['show', String(index), ...extra] })),
      insertedAnywhere(fc.constant(['1']), unknownOption).map((args) => ({ argv: ['show', ...args] })),
      fc.constant<Case>({ argv: ['show'] }),
    ),
  );

  fuzz('clear-inactive', () => strayArguments.map((args) => ({ argv: ['clear-inactive', ...args] })));

  /** cancel, stop and retry: a job id that is wrong in form, missing, or a job in a state the command does not apply to. */
  const jobCommandCases = (command: 'cancel' | 'stop' | 'retry', wrongState: () => number[], message: RegExp) =>
    oneOf<Case>(
      malformedId.filter((id) => !(command === 'stop' && id.startsWith('-'))).map((id) => ({ argv: [command, id], message: new RegExp(`${command} takes one job id`) })),
      missingId.map((id) => ({ argv: [command, id], message: new RegExp(`There is no job ${Number(id)}\\.`) })),
      fc.constantFrom(...wrongState()).chain(idSpelling).map((id) => ({ argv: [command, id], message })),
      fc.tuple(fc.constantFrom(...wrongState()), fc.array(extraText, { minLength: 1, maxLength: 3 })).map(([id, extra]) => ({ argv: [command, String(id), ...extra] })),
      insertedAnywhere(fc.constantFrom(...wrongState()).map((id) => [String(id)]), unknownOption).map((args) => ({ argv: [command, ...args] })),
      fc.constant<Case>({ argv: [command] }),
    );
  fuzz('cancel', () => jobCommandCases('cancel', endedIds, /has already ended/));
  fuzz('stop', () =>
    oneOf(
      jobCommandCases('stop', () => [fixture.queued, ...endedIds()], /is not running yet|has already ended/),
      fc.tuple(fc.constantFrom(...endedIds(), fixture.queued), fc.boolean()).map(([id, before]) => ({
        argv: before ? ['stop', '--force', String(id)] : ['stop', String(id), '--force'],
        message: /is not running yet|has already ended/,
      })),
      missingId.map((id) => ({ argv: ['stop', '--force', id], message: new RegExp(`There is no job ${Number(id)}\\.`) })),
    ),
  );
  fuzz('retry', () => jobCommandCases('retry', () => [fixture.queued, fixture.completed], /only failed or cancelled jobs can be retried/));

  fuzz('priority', () =>
    oneOf<Case>(
      fc.tuple(fc.oneof(fc.constantFrom(...endedIds(), fixture.queued).map(String), malformedId, missingId), badLevel).map(([id, level]) => ({
        argv: ['priority', id, level],
        message: /priority takes a job id and one of|Unknown option|ambiguous/,
      })),
      fc.tuple(fc.constantFrom(...endedIds()).chain(idSpelling), priorityLevel).map(([id, level]) => ({ argv: ['priority', id, level], message: /only a waiting job’s priority can change/ })),
      fc.tuple(missingId, priorityLevel).map(([id, level]) => ({ argv: ['priority', id, level], message: new RegExp(`There is no job ${Number(id)}\\.`) })),
      fc.tuple(malformedId.filter((id) => !id.startsWith('-')), priorityLevel).map(([id, level]) => ({ argv: ['priority', id, level], message: /priority takes one job id|priority takes a job id/ })),
      fc.tuple(fc.constantFrom(fixture.queued), priorityLevel, fc.array(extraText, { minLength: 1, maxLength: 2 })).map(([id, level, extra]) => ({ argv: ['priority', String(id), level, ...extra] })),
      insertedAnywhere(fc.tuple(fc.constant(String(fixture.queued)), priorityLevel).map((args) => [...args]), unknownOption).map((args) => ({ argv: ['priority', ...args] })),
      fc.constantFrom<Case>({ argv: ['priority'] }, { argv: ['priority', String(fixture.queued)] }, { argv: ['priority', 'high'] }),
    ),
  );

  fuzz('queues', () => strayArguments.map((args) => ({ argv: ['queues', ...args] })));

  const knownQueues = new Set(taskCatalogue.map((task) => task.queue));
  const unknownQueue = fc.oneof(hostileText, fc.constantFrom('DEFAULT', 'default_', 'imports.', 'maintenance-2', 'bulk ', ' ', '', 'reports\n')).filter((name) => !knownQueues.has(name.trim()));
  for (const command of ['pause', 'resume', 'purge'] as const) {
    fuzz(command, () =>
      oneOf<Case>(
        unknownQueue.map((name) => ({ argv: [command, name], message: /There is no queue|Not a queue name|Name a queue|At most 100 characters|takes one queue name/ })),
        fc.tuple(fc.constantFrom(...knownQueues), fc.array(extraText, { minLength: 1, maxLength: 3 })).map(([name, extra]) => ({ argv: [command, name, ...extra], message: /takes one queue name/ })),
        fc.tuple(fc.constantFrom(...knownQueues), unknownOption, fc.boolean()).map(([name, option, first]) => ({ argv: first ? [command, option, name] : [command, name, option] })),
        fc.constant<Case>({ argv: [command] }),
      ),
    );
  }

  const roleOf = fc.constantFrom(...userRoles);
  const badRole = fc.oneof(hostileText, fc.constantFrom('Admin', 'superuser', 'root', ' user', '')).filter((role) => !(userRoles as readonly string[]).includes(role));
  /** A well-formed email no account has. */
  const newEmail = fc
    .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}$/), fc.constantFrom('example.test', 'xn--bcher-kva.example', 'sub.example.org'))
    .map(([local, domain]) => `fuzz-${local}@${domain}`)
    .filter((email) => emailSchema.safeParse(email).success);
  const badEmail = fc
    .oneof(hostileText, fc.constantFrom('not-an-email', '@example.test', 'a@', 'a@@b.c', 'a b@c.d', '<a@b.c>', 'a@b', 'a@b..c'))
    .filter((text) => !emailSchema.safeParse(text).success && !text.startsWith('-'));
  const badPassword = fc.oneof(fc.string({ maxLength: 11 }), fc.integer({ min: 257, max: 5_000 }).map((length) => 'p'.repeat(length)), fc.constantFrom('', 'short', '12345678901', '\u0000'.repeat(3)));
  const goodPassword = fc.string({ minLength: 12, maxLength: 256 }).filter((text) => text.length >= 12 && text.length <= 256);
  const existingEmail = () => fc.constantFrom(fixture.personEmail, fixture.personEmail.toUpperCase(), `${fixture.personEmail[0]!.toUpperCase()}${fixture.personEmail.slice(1)}`);
  fuzz('user', () =>
    oneOf<Case>(
      fc.tuple(badEmail, roleOf, goodPassword).map(([email, role, password]) => ({ argv: ['user', 'add', email, '--role', role], password, message: /user add takes one valid email/ })),
      fc.tuple(newEmail, fc.option(badRole, { nil: undefined }), goodPassword).map(([email, role, password]) => ({
        argv: role === undefined ? ['user', 'add', email] : ['user', 'add', email, `--role=${role}`],
        password,
        message: /The role must be one of/,
      })),
      fc.tuple(newEmail, roleOf, badPassword).map(([email, role, password]) => ({ argv: ['user', 'add', email, '--role', role], password, message: /The password must be at (least 12|most 256) characters/ })),
      fc.tuple(badEmail, goodPassword).map(([email, password]) => ({ argv: ['user', 'password', email], password, message: /user password takes one valid email/ })),
      fc.tuple(existingEmail(), badPassword).map(([email, password]) => ({ argv: ['user', 'password', email], password, message: /The password must be at (least 12|most 256) characters/ })),
      fc.tuple(extraText.filter((action) => action !== 'add' && action !== 'password'), newEmail).map(([action, email]) => ({ argv: ['user', action, email], message: /user takes a subcommand/ })),
      fc.tuple(fc.constantFrom('add', 'password'), newEmail, fc.array(extraText, { minLength: 1, maxLength: 2 }), goodPassword).map(([action, email, extra, password]) => ({
        argv: ['user', action, email, ...extra, ...(action === 'add' ? ['--role', 'user'] : [])],
        password,
      })),
      insertedAnywhere(newEmail.map((email) => ['add', email, '--role', 'user']), unknownOption).map((args) => ({ argv: ['user', ...args], password: 'a-long-enough-password' })),
      fc.constantFrom<Case>({ argv: ['user'] }, { argv: ['user', 'add'] }, { argv: ['user', 'password'] }, { argv: ['user', 'add', '--role', 'admin'] }),
      // These two hash the password before they find the conflict (argon2, about 50 ms each): fewer of them.
      fc.integer({ min: 0, max: 3 }).chain((pick) =>
        pick === 0
          ? fc.tuple(existingEmail(), roleOf, goodPassword).map(([email, role, password]) => ({ argv: ['user', 'add', email, '--role', role], password, message: /already exists/ }))
          : fc.tuple(newEmail, goodPassword).map(([email, password]) => ({ argv: ['user', 'password', email], password, message: /There is no account for/ })),
      ),
    ),
  );
});

