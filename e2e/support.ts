import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { createDb, type DbHandle } from '@/db/client';
import { asc, eq } from 'drizzle-orm';
import { auditEvents, type UserRole } from '@/db/schema';
import { createAccount } from '@/lib/accounts';
import { e2eStateFile } from './state';

const execFileAsync = promisify(execFile);

export interface TestAccount {
  id: string;
  email: string;
  password: string;
  role: UserRole;
}

function databaseUrl(): string {
  const state = JSON.parse(fs.readFileSync(e2eStateFile(Number(process.env.E2E_PORT)), 'utf8')) as { databaseUrl: string };
  return state.databaseUrl;
}

/**
 * Every spec gets `account(role)`, which creates a fresh account of its own, `pageAs(account)`, a
 * page in a browser of its own signed in as that account, and `cli(...)`, the real CLI.
 */
export const test = base.extend<
  {
    account: (role: UserRole, name?: string) => Promise<TestAccount>;
    pageAs: (account: TestAccount) => Promise<Page>;
    cli: (...args: string[]) => Promise<string>;
  },
  { database: DbHandle }
>({
  database: [
    async ({}, use) => {
      const handle = createDb(databaseUrl(), { max: 2, applicationName: 'jobs-console-e2e' });
      await use(handle);
      await handle.close();
    },
    { scope: 'worker' },
  ],
  account: async ({ database }, use) => {
    await use(async (role, name = role) => {
      const email = `${name}-${crypto.randomBytes(4).toString('hex')}@example.test`;
      const password = `pw-${crypto.randomBytes(12).toString('base64url')}`;
      const created = await createAccount(database.db, { email, role, password });
      return { id: created.id, email, password, role };
    });
  },
  pageAs: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (account) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await signIn(page, account);
      return page;
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
  cli: async ({}, use) => {
    await use(async (...args) => {
      const { stdout } = await execFileAsync(process.execPath, [path.resolve('bin/jobs-console.mjs'), ...args], {
        env: { ...process.env, DATABASE_URL: databaseUrl() },
      });
      return stdout.trim();
    });
  },
});

export { expect };

/** The audit trail of one actor (an email, as signed in or as tried), oldest first. */
export async function auditTrailOf(database: DbHandle, actorLabel: string) {
  const rows = await database.db
    .select({ action: auditEvents.action, origin: auditEvents.origin, jobCount: auditEvents.jobCount, address: auditEvents.address })
    .from(auditEvents)
    .where(eq(auditEvents.actorLabel, actorLabel))
    .orderBy(asc(auditEvents.id));
  return rows.map((row) => ({ ...row, address: row.address ? 'recorded' : null }));
}

/** Signs in through the sign-in form and waits for the jobs page. */
export async function signIn(page: Page, account: TestAccount): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/jobs$/);
  await expect(page.getByTestId('viewer')).toContainText(account.email);
}

/** The jobs page row of job `id`. */
export function jobRow(page: Page, id: number | string) {
  return page.locator(`tr[data-job-id="${id}"]`);
}

/** Reloads the jobs page until job `id` shows `status`. */
export async function expectJobStatus(page: Page, id: number | string, status: string, timeout = 30_000): Promise<void> {
  await expect(async () => {
    await page.goto('/jobs');
    await expect(jobRow(page, id).locator('[data-status]')).toHaveText(status, { timeout: 500 });
  }).toPass({ timeout });
}

/** Launches a task through its form and returns the new job's id (from the details page it lands on). */
export async function launchFromForm(page: Page, task: string, fields: Record<string, string>): Promise<number> {
  await page.goto(`/jobs/new/${task}`);
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Launch' }).click();
  await expect(page).toHaveURL(/\/jobs\/\d+$/);
  return Number(new URL(page.url()).pathname.split('/').pop());
}

/**
 * The fields a browser without JavaScript would post with the form of `html` that has a field named
 * `fieldName` (Next.js puts the server action's id and bound arguments in hidden fields): the hidden
 * fields, decoded. Null when the page has no such form.
 */
export function hiddenFormFields(html: string, fieldName: string): [string, string][] | null {
  const form = html
    .split('<form')
    .map((part) => part.slice(0, part.indexOf('</form>')))
    .find((part) => part.includes(`name="${fieldName}"`));
  if (form === undefined) return null;
  const decode = (text: string) => text.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?/g)].map((match) => [decode(match[1]!), decode(match[2] ?? '')]);
}
