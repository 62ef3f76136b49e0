import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { closeDb, getDb } from '@/db/client';
import { jobPriorities } from '@/db/schema';
import { migrateDatabase } from '@/db/migrate';
import { ensureDatabaseServer, type DatabaseServer } from '@/db/server';
import { AccountExistsError, createAccount, emailSchema, passwordSchema, roleSchema, setPassword } from '@/lib/accounts';
import { env, provideDatabaseUrl } from '@/lib/env';
import { formatDateTime, jobDuration } from '@/lib/format';
import { osUserName } from '@/lib/os-user';
import { printable } from '@/lib/printable';
import { recordAudit } from './audit';
import { taskCatalogue } from './catalogue';
import { cancelJob, controlOutcomeMessages, retryJob, stopJob } from './control';
import { ForbiddenError, NotFoundError, ValidationError } from './errors';
import { launchJobs, MAX_BATCH_LAUNCH } from './launch';
import { clearInactiveJobs, getJobForViewer, jobTabs, listJobsForViewer, readJobLog } from './queries';
import { changePriority, pauseQueue, purgeQueue, queueSummaries, resumeQueue } from './queues';
import { listTaskSettings, setTaskActive, setTaskNote } from './task-settings';
import type { CliViewer } from './viewer';

const usage = `Usage: npm run jobs -- <command> [options]   (or: jobs-console <command>)

Commands:
  tasks                                   List the tasks: name, title, who may launch them, queue, active
  task activate <task> | task deactivate <task>
                                          Turn a task on or off (nobody launches an inactive task)
  task note <task> "<text>"               Set a task's note for admins; "" clears it
  enqueue <task> [--args '<json>'] [--priority critical|high|normal|low] [--count N]
                                          Launch a task as a CLI job; prints the new job's id. With
                                          --count, N jobs in one transaction, one id per line
  list [--tab all|active|failed] [--limit N]
                                          List jobs, newest first
  show <id>                               Show a job: overview, arguments, result, error, log
  clear-inactive                          Clear finished CLI jobs from the jobs page
  cancel <id>                             Cancel a waiting job (a running one is asked to stop)
  stop <id> [--force]                     Stop a running job at its next step, or at once with --force
  retry <id>                              Launch a failed or cancelled job again; prints the new job's id
  priority <id> critical|high|normal|low  Change a waiting job's priority
  queues                                  List the queues: paused or not, waiting and running jobs
  pause <queue> | resume <queue>          Pause or resume a queue
  purge <queue>                           Cancel every waiting job of a queue
  user add <email> --role user|admin|auditor
                                          Create an account; the password is read from standard input
  user password <email>                   Set an account's password, read from standard input

Without DATABASE_URL, the CLI uses the project's embedded database (.data/), started if needed.`;

/** A mistake in how the command was called: printed with a hint, exit code 2, nothing changed. */
class UsageError extends Error {}

/** The one job id a command takes. */
function jobIdArgument(args: string[], command: string): number {
  const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).safeParse(args[0]);
  if (args.length !== 1 || !id.success) throw new UsageError(`${command} takes one job id: ${command} <id>`);
  return id.data;
}

/** The one queue name a command takes. */
function queueArgument(args: string[], command: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`${command} takes one queue name: ${command} <queue>`);
  return args[0];
}

const cliSource = { origin: 'cli' as const };

/** The database a command runs on: opened before the command, closed after it whatever happened. */
export interface CliDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** DATABASE_URL's server, or the embedded one (started if needed), migrated; the pool is closed after the command. */
function projectDatabase(): CliDatabase {
  let server: DatabaseServer | undefined;
  return {
    async open() {
      server = await ensureDatabaseServer();
      provideDatabaseUrl(server.url);
      await migrateDatabase(server.url);
    },
    async close() {
      await closeDb();
      await server?.release();
    },
  };
}

/** What the CLI takes besides its arguments; tests that run it in-process give their own. */
export interface CliInput {
  /** The password for `user add` and `user password`; by default read from standard input. */
  readPassword?: () => Promise<string>;
  /** By default the project's database, migrated first; a test gives one already open. */
  database?: CliDatabase;
}

/**
 * Runs one command, as `jobs-console <argv…>` would, and returns its exit code: 0 done, 2 a mistake
 * in the command (printed on standard error, nothing changed). Anything else is thrown. The database
 * (the project's, unless `input` gives one) is opened for the command and closed after it.
 */
export async function runCli(argv: string[], input: CliInput = {}): Promise<number> {
  const passwordFromInput = input.readPassword ?? readPassword;
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    // Asked for, the usage is the output; without a command, it is the complaint.
    if (command) console.log(usage);
    else console.error(usage);
    return command ? 0 : 2;
  }
  try {
    env();
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const viewer: CliViewer = { kind: 'cli', osUser: osUserName() };
  // The job a command names, for the "no such job" message (not the first raw argument: `stop --force 5`).
  let namedJob: number | undefined;
  const jobId = (args: string[], command: string) => (namedJob = jobIdArgument(args, command));
  /** Commands that take no arguments refuse any, rather than ignore them. */
  const noArguments = (args: string[], command: string) => {
    if (parse(args, {}).positionals.length > 0) throw new UsageError(`${command} takes no arguments.`);
  };
  const commands: Record<string, (args: string[]) => Promise<void>> = {
    tasks: async (args) => {
      noArguments(args, 'tasks');
      const settings = await listTaskSettings(getDb(), viewer);
      printTable(
        ['NAME', 'TITLE', 'LAUNCHED BY', 'QUEUE', 'ACTIVE'],
        taskCatalogue
          .filter((task) => !task.hidden)
          .map((task) => [task.name, task.title, task.launchableBy === 'admin' ? 'admins' : 'users and admins', task.queue, settings.get(task.name)?.active === false ? 'no' : 'yes']),
      );
    },
    task: async (args) => {
      const [action, ...taskArgs] = args;
      const { positionals } = parse(taskArgs, {});
      const [name] = positionals;
      if ((action === 'activate' || action === 'deactivate') && name && positionals.length === 1) {
        const active = action === 'activate';
        const changed = await setTaskActive(getDb(), viewer, name, active, cliSource);
        if (!changed) console.log(`Task ${name} is already ${active ? 'active' : 'inactive'}.`);
        else console.log(active ? `Task ${name} activated.` : `Task ${name} deactivated: nobody can launch it until it is activated again.`);
      } else if (action === 'note' && name && positionals.length >= 2) {
        // Words after the name make the note, so that it need not be quoted.
        const note = positionals.slice(1).join(' ');
        const changed = await setTaskNote(getDb(), viewer, name, note, cliSource);
        if (!changed) console.log(`Task ${name}'s note is unchanged.`);
        else console.log(note.trim() === '' ? `Task ${name}'s note cleared.` : `Task ${name}'s note saved.`);
      } else {
        throw new UsageError('task takes a subcommand: task activate <task>, task deactivate <task>, or task note <task> "<text>" ("" clears it)');
      }
    },
    enqueue: async (args) => {
      const { positionals, values } = parse(args, { args: { type: 'string' }, priority: { type: 'string' }, count: { type: 'string', default: '1' } });
      const [taskName] = positionals;
      if (!taskName || positionals.length > 1) throw new UsageError('enqueue takes one task name: enqueue <task> --args \'{"key": "value"}\'');
      let input: unknown = {};
      if (values.args !== undefined) {
        try {
          input = JSON.parse(values.args);
        } catch (error) {
          throw new UsageError(`--args is not valid JSON: ${(error as Error).message}`);
        }
        if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new UsageError('--args must be a JSON object.');
      }
      const count = z.coerce.number().int().min(1).max(MAX_BATCH_LAUNCH).safeParse(values.count);
      if (!count.success) throw new UsageError(`--count must be a whole number from 1 to ${MAX_BATCH_LAUNCH}`);
      const ids = await launchJobs(viewer, taskName, Array.from({ length: count.data }, () => input), cliSource, { priority: values.priority });
      // Plain text: console.log colours numbers when FORCE_COLOR is set, and scripts read these lines.
      process.stdout.write(`${ids.join('\n')}\n`);
    },
    list: async (args) => {
      const { values, positionals } = parse(args, { tab: { type: 'string', default: 'all' }, limit: { type: 'string', default: '50' } });
      if (positionals.length > 0) throw new UsageError('list takes no arguments but --tab and --limit.');
      const tab = z.enum(jobTabs).safeParse(values.tab);
      if (!tab.success) throw new UsageError(`--tab must be one of: ${jobTabs.join(', ')}`);
      const limit = z.coerce.number().int().min(1).max(1000).safeParse(values.limit);
      if (!limit.success) throw new UsageError('--limit must be a whole number from 1 to 1000');
      const page = await listJobsForViewer(viewer, { tab: tab.data, limit: limit.data });
      if (page.jobs.length === 0) {
        console.log('There are no jobs.');
        return;
      }
      printTable(
        ['ID', 'STATUS', 'JOB NAME', 'USER', 'ORIGIN', 'START', 'DURATION'],
        page.jobs.map((job) => [
          String(job.id),
          job.status + (job.status === 'running' ? ` ${Math.round(job.progress * 100)}%` : ''),
          job.title,
          job.startedBy ?? '',
          job.origin,
          formatDateTime(job.createdAt),
          jobDuration(job.startedAt, job.finishedAt),
        ]),
      );
    },
    show: async (args) => {
      const { positionals } = parse(args, {});
      const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).safeParse(positionals[0]);
      if (positionals.length !== 1 || !id.success) throw new UsageError('show takes one job id: show <id>');
      const job = await getJobForViewer(viewer, id.data);
      if (!job) throw new UsageError(`There is no job ${id.data}.`);
      const lines: [string, string][] = [
        ['Job', `${job.id}: ${job.title}`],
        ['Status', job.status + (job.message ? ` (${job.message})` : '')],
        ['Task', job.task],
        ['Started by', job.startedBy ?? ''],
        ['Origin', job.origin],
        ['Priority / queue', `${job.priority} / ${job.queue}`],
        ['Queued', formatDateTime(job.createdAt)],
        ['Started', formatDateTime(job.startedAt)],
        ['Finished', formatDateTime(job.finishedAt)],
        ['Duration', jobDuration(job.startedAt, job.finishedAt)],
        ['Attempts', `${job.attempts} of ${job.maxAttempts}`],
        ['Progress', `${Math.round(job.progress * 100)}%${job.step ? ` (${job.step})` : ''}`],
        ['Arguments', JSON.stringify(job.payload)],
      ];
      if (job.relatedUrl) lines.push(['Related record', job.relatedUrl]);
      if (job.result !== null) lines.push(['Result', JSON.stringify(job.result)]);
      if (job.error) lines.push(['Error', job.error]);
      if (job.clearedAt) lines.push(['Cleared', formatDateTime(job.clearedAt)]);
      for (const [label, value] of lines) console.log(`${label.padEnd(17)} ${printable(value)}`);
      console.log('\nLog:');
      const log = await readJobLog(viewer, job.id, { limit: 1000 });
      if (log.earlier !== null) console.log('  (earlier lines left out)');
      for (const line of log.lines) console.log(`  ${formatDateTime(line.at)} ${line.level.toUpperCase().padEnd(7)} ${printable(line.message)}`);
    },
    cancel: async (args) => {
      const outcome = await cancelJob(getDb(), viewer, jobId(args, 'cancel'), cliSource);
      console.log(controlOutcomeMessages[outcome]);
    },
    stop: async (args) => {
      const { positionals, values } = parse(args, { force: { type: 'boolean' } });
      const outcome = await stopJob(getDb(), viewer, jobId(positionals, 'stop'), values.force ? 'force' : 'graceful', cliSource);
      console.log(controlOutcomeMessages[outcome]);
    },
    retry: async (args) => {
      const id = await retryJob(getDb(), viewer, jobId(args, 'retry'), cliSource);
      process.stdout.write(`${id}\n`);
    },
    priority: async (args) => {
      const { positionals } = parse(args, {});
      const level = z.enum(jobPriorities).safeParse(positionals[1]);
      if (positionals.length !== 2 || !level.success) throw new UsageError(`priority takes a job id and one of ${jobPriorities.join(', ')}: priority <id> <level>`);
      const id = jobId(positionals.slice(0, 1), 'priority');
      await changePriority(getDb(), viewer, id, level.data, cliSource);
      console.log(`Job ${id} now has ${level.data} priority.`);
    },
    queues: async (args) => {
      noArguments(args, 'queues');
      printTable(
        ['QUEUE', 'STATE', 'WAITING', 'RUNNING'],
        (await queueSummaries(getDb())).map((queue) => [queue.queue, queue.paused ? 'paused' : 'running', String(queue.waiting), String(queue.running)]),
      );
    },
    pause: async (args) => {
      const queue = queueArgument(args, 'pause');
      await pauseQueue(getDb(), viewer, queue, cliSource);
      console.log(`Queue ${queue} paused.`);
    },
    resume: async (args) => {
      const queue = queueArgument(args, 'resume');
      await resumeQueue(getDb(), viewer, queue, cliSource);
      console.log(`Queue ${queue} resumed.`);
    },
    purge: async (args) => {
      const queue = queueArgument(args, 'purge');
      const count = await purgeQueue(getDb(), viewer, queue, cliSource);
      console.log(`Queue ${queue} purged: ${count} waiting ${count === 1 ? 'job' : 'jobs'} cancelled.`);
    },
    'clear-inactive': async (args) => {
      noArguments(args, 'clear-inactive');
      const cleared = await clearInactiveJobs(viewer, cliSource);
      console.log(`Cleared ${cleared} inactive CLI ${cleared === 1 ? 'job' : 'jobs'}.`);
    },
    user: async (args) => {
      const [action, ...userArgs] = args;
      if (action === 'add') {
        const { positionals, values } = parse(userArgs, { role: { type: 'string' } });
        const email = emailSchema.safeParse(positionals[0]);
        if (positionals.length !== 1 || !email.success) throw new UsageError('user add takes one valid email: user add <email> --role user|admin|auditor');
        const role = roleSchema.safeParse(values.role);
        if (!role.success) throw new UsageError(role.error.issues[0]!.message);
        const password = checkedPassword(await passwordFromInput());
        const account = await getDb().transaction(async (tx) => {
          const created = await createAccount(tx, { email: email.data, role: role.data, password });
          await recordAudit(tx, { viewer, action: 'user.create', source: cliSource, details: { email: created.email, role: created.role } });
          return created;
        });
        console.log(`Created ${account.role} ${account.email}.`);
      } else if (action === 'password') {
        const { positionals } = parse(userArgs, {});
        const email = emailSchema.safeParse(positionals[0]);
        if (positionals.length !== 1 || !email.success) throw new UsageError('user password takes one valid email: user password <email>');
        const password = checkedPassword(await passwordFromInput());
        const changed = await getDb().transaction(async (tx) => {
          const found = await setPassword(tx, email.data, password);
          if (found) await recordAudit(tx, { viewer, action: 'user.set_password', source: cliSource, details: { email: email.data } });
          return found;
        });
        if (!changed) throw new UsageError(`There is no account for ${email.data}.`);
        console.log(`Password changed for ${email.data}.`);
      } else {
        throw new UsageError('user takes a subcommand: user add <email> --role <role>, or user password <email>');
      }
    },
  };

  const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!run) {
    console.error(`Unknown command "${command}".\n\n${usage}`);
    return 2;
  }

  const database = input.database ?? projectDatabase();
  try {
    await database.open();
    await run(rest);
    return 0;
  } catch (error) {
    if (error instanceof NotFoundError) {
      console.error(`There is no job ${namedJob ?? rest[0]}.`);
      return 2;
    }
    if (error instanceof UsageError || error instanceof ForbiddenError || error instanceof AccountExistsError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof ValidationError) {
      console.error(error.message);
      for (const [field, messages] of Object.entries(error.fieldErrors)) console.error(`  ${field || 'arguments'}: ${messages.join(' ')}`);
      return 2;
    }
    throw error;
  } finally {
    await database.close();
  }
}

/** node's parseArgs, strict, with its errors turned into usage errors. */
function parse<T extends Record<string, { type: 'string' | 'boolean'; default?: string }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function checkedPassword(password: string): string {
  const parsed = passwordSchema.safeParse(password);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]!.message);
  return parsed.data;
}

/** The password from standard input: typed at a hidden prompt on a terminal, else the first line piped in. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) return promptHidden('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stdout.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let typed = '';
    const onData = (input: string) => {
      for (const char of input) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(typed);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new UsageError('Cancelled.'));
          return;
        }
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    };
    const finish = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stdout.write('\n');
    };
    stdin.on('data', onData);
  });
}

/** Prints aligned columns; cells are made printable (they may hold user-controlled text). */
function printTable(header: string[], unsafeRows: string[][]): void {
  const rows = unsafeRows.map((row) => row.map(printable));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  console.log(format(header));
  for (const row of rows) console.log(format(row));
}

/** Whether this file is the program node was started with (bin/jobs-console.mjs runs it with tsx), not an import. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return fs.realpathSync(entry) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `jobs-console list | head` closes our standard output early: stop quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
