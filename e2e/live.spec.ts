import fs from 'node:fs';
import { and, eq, sql } from 'drizzle-orm';
import { jobArtifacts } from '@/db/schema';
import { expect, jobRow, launchFromForm, signIn, test } from './support';
import type { Page } from '@playwright/test';

/** Marks the document; the mark survives in-place updates and disappears if the page navigates. */
async function markDocument(page: Page) {
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });
}
async function expectSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
}

const liveStatus = (page: Page) => page.getByTestId('live-status');

/** A one-second job launched from the command line; returns its id. */
async function enqueueQuickJob(cli: (...args: string[]) => Promise<string>): Promise<number> {
  const printed = await cli('enqueue', 'long-running', '--args', '{"durationSeconds": 1, "steps": 1}');
  return Number(printed);
}

test.describe('live updates', () => {
  test('a long job’s progress and last message change in place, on the details page and the jobs page', async ({ page, account }) => {
    await signIn(page, await account('user'));
    const jobId = await launchFromForm(page, 'long-running', { 'Duration (seconds)': '12', Steps: '12' });
    await expect(liveStatus(page)).toHaveAttribute('data-state', 'live');
    await markDocument(page);

    const progressText = page.getByTestId('job-progress-text');
    await expect(progressText).toContainText('Step 2 of 12', { timeout: 15_000 });
    await expect(page.getByTestId('job-message')).toContainText(/Step \d+ of 12 done\./);
    await expect(progressText).toContainText('Step 4 of 12', { timeout: 15_000 });
    await expect(page.getByTestId('job-eta')).toContainText(/about \d+ s left/);
    // The steps list and the last log lines follow too (a refresh in place, not a reload).
    await expect(page.getByTestId('job-steps').locator('[aria-current="step"]')).toContainText(/Step \d+ of 12/);
    await expect(page.getByTestId('job-recent-log')).toContainText('Step 3 of 12 done.');
    await expectSameDocument(page);

    await page.goto('/jobs');
    await expect(liveStatus(page)).toHaveAttribute('data-state', 'live');
    await markDocument(page);
    const row = jobRow(page, jobId);
    const bar = row.getByRole('progressbar');
    const before = Number(await bar.getAttribute('aria-valuenow'));
    await expect(async () => expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(before)).toPass({ timeout: 5000 });
    const message = await row.getByTestId('job-message').textContent();
    await expect(row.getByTestId('job-message')).not.toHaveText(message!, { timeout: 5000 });
    await expect(row.getByTestId('job-end')).toHaveText('N/A');

    await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
    await expect(row.getByTestId('job-end')).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await expect(row.getByTestId('job-duration')).toHaveText(/^1\d s$/);
    await expectSameDocument(page);
  });

  test('a job launched elsewhere appears on the page; a cut stream shows “reconnecting” and comes back', async ({ page, account, database, cli }) => {
    await signIn(page, await account('admin'));
    await expect(liveStatus(page)).toHaveAttribute('data-state', 'live');
    await markDocument(page);

    const first = await enqueueQuickJob(cli);
    await expect(jobRow(page, first)).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });

    // The server's LISTEN connection dies: every stream is cut, and the page says so until it is back.
    await database.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'jobs-console-events' and datname = current_database()`);
    await expect(liveStatus(page)).toHaveAttribute('data-state', 'reconnecting');
    await expect(liveStatus(page)).toHaveAttribute('data-state', 'live', { timeout: 15_000 });

    const second = await enqueueQuickJob(cli);
    await expect(jobRow(page, second)).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
    await expectSameDocument(page);
  });

  test('with live updates off, nothing streams and auto refresh takes over', async ({ page, account, cli }) => {
    await signIn(page, await account('admin'));
    await page.getByLabel('Live updates').uncheck();
    await expect(liveStatus(page)).toHaveAttribute('data-state', 'off');
    const id = await enqueueQuickJob(cli);
    await page.waitForTimeout(3000);
    await expect(jobRow(page, id)).toHaveCount(0);
    await page.getByLabel('Auto refresh').check();
    await expect(jobRow(page, id)).toHaveAttribute('data-status', 'completed', { timeout: 15_000 });
    await page.getByLabel('Auto refresh').uncheck();
    await page.getByLabel('Live updates').check();
    await expect(liveStatus(page)).toHaveAttribute('data-state', 'live');
  });

  test('with JavaScript off, the pages are server-rendered and say how to see changes', async ({ browser, account, cli }) => {
    const admin = await account('admin');
    const id = await enqueueQuickJob(cli);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/jobs$/);
    await expect(jobRow(page, id)).toBeVisible();
    await expect(page.getByTestId('noscript-notice')).toBeVisible();
    await expect(liveStatus(page)).toBeHidden();
    await page.getByRole('link', { name: `Details of job ${id}` }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Long-running task (1 s, 1 steps)');
    await context.close();
  });

  test('another user’s browser never shows the job', async ({ pageAs, account }) => {
    const pageB = await pageAs(await account('user', 'b'));
    await expect(liveStatus(pageB)).toHaveAttribute('data-state', 'live');
    const pageA = await pageAs(await account('user', 'a'));
    const jobId = await launchFromForm(pageA, 'long-running', { 'Duration (seconds)': '1', Steps: '1' });
    await expect(pageA.getByTestId('job-live-status')).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
    await expect(jobRow(pageB, jobId)).toHaveCount(0);
    await expect(pageB.getByTestId('no-jobs')).toHaveText('There are no jobs.');
  });
});

test.describe('job details', () => {
  test('the log filters by level', async ({ page, account }) => {
    await signIn(page, await account('user'));
    const csv = 'identifier,title\nA1,First\n,No identifier\nA3,Third\nA4\n';
    const jobId = await launchFromForm(page, 'csv-import-check', { 'CSV text *': csv });
    await expect(page.getByTestId('job-live-status')).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
    await expect(page.getByTestId('job-outcome')).toHaveText('Completed with warnings');

    const log = page.getByTestId('job-log');
    await expect(log.locator('li[data-level="info"]').first()).toBeVisible();
    await page.getByRole('navigation', { name: 'Log levels' }).getByRole('link', { name: 'Warnings and errors' }).click();
    await expect(page).toHaveURL(new RegExp(`/jobs/${jobId}\\?log=warning`));
    await expect(log.locator('li')).toHaveCount(3);
    await expect(log.locator('li[data-level="info"]')).toHaveCount(0);
    await page.getByRole('navigation', { name: 'Log levels' }).getByRole('link', { name: 'Errors', exact: true }).click();
    await expect(page.getByText('No errors logged.')).toBeVisible();
    await page.getByRole('navigation', { name: 'Log levels' }).getByRole('link', { name: 'All', exact: true }).click();
    await expect(log.locator('li[data-level="info"]').first()).toBeVisible();
  });

  test('the report’s CSV file downloads with its bytes; another user gets 404', async ({ page, account, database, pageAs }) => {
    await signIn(page, await account('user'));
    const jobId = await launchFromForm(page, 'history-report', {});
    await expect(page.getByTestId('job-live-status')).toHaveAttribute('data-status', 'completed', { timeout: 20_000 });
    const link = page.getByTestId('job-artifacts').getByRole('link');
    await expect(link).toHaveText(/^job-history-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/);

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(await link.textContent());
    const bytes = fs.readFileSync((await download.path())!);
    const [stored] = await database.db
      .select({ content: jobArtifacts.content })
      .from(jobArtifacts)
      .where(and(eq(jobArtifacts.jobId, jobId)));
    expect(bytes.equals(stored!.content)).toBe(true);
    expect(bytes.toString('utf8').split('\n')[0]).toBe('task,status,jobs,meanSeconds');

    const href = (await link.getAttribute('href'))!;
    const response = await page.request.get(href);
    expect(response.headers()['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers()['x-content-type-options']).toBe('nosniff');
    expect(response.headers()['content-disposition']).toContain('attachment;');
    // The file keeps its own policy: opened in a browser tab, it is a sandbox with nothing allowed.
    expect(response.headers()['content-security-policy']).toBe("sandbox; default-src 'none'");

    const other = await pageAs(await account('user', 'other'));
    const denied = await other.request.get(href);
    expect(denied.status()).toBe(404);
  });
});
