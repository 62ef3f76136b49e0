import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, expectJobStatus, jobRow, launchFromForm, signIn, test } from './support';

/**
 * Every page, for each role that can open it, passes axe (WCAG 2.1 A and AA rules) with no serious
 * or critical violation. One signed-in page per role goes through all of that role's pages; the
 * jobs it looks at (running, failed, completed) are the user's, which admins and
 * auditors see too. A failure names the page, the rule and the elements; every page is checked
 * before the test fails (soft assertions).
 */

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// A11Y_COLOR_SCHEME=dark runs the same checks with the system asking for dark (pages follow it by default).
const colorScheme = process.env.A11Y_COLOR_SCHEME === 'dark' ? 'dark' : 'light';
test.use({ colorScheme });

async function expectNoSeriousViolations(page: Page, where: string): Promise<void> {
  // Let client components hydrate and the live stream connect before looking (the stream stays
  // open, so the network is never idle).
  const live = page.getByTestId('live-status').first();
  if ((await live.count()) > 0) await expect(live).toHaveAttribute('data-state', 'live');
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect.soft(serious, `axe on ${where}`).toEqual([]);
}

async function checkPages(page: Page, role: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    await test.step(`${role} ${path}`, async () => {
      const response = await page.goto(path);
      expect.soft(response?.status(), `${role} opens ${path}`).toBe(200);
      await expectNoSeriousViolations(page, `${path} as ${role}`);
    });
  }
}

test.describe('accessibility (axe)', () => {
  test('the sign-in page, empty and with an error', async ({ page }) => {
    await page.goto('/login');
    await expectNoSeriousViolations(page, '/login');
    await page.getByLabel('Email').fill('nobody@example.test');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('sign-in-error')).toBeVisible();
    await expectNoSeriousViolations(page, '/login with an error');
  });

  test('every page, as a user, an admin and an auditor', async ({ page, account, pageAs, cli }) => {
    test.setTimeout(240_000);
    const user = await account('user');
    await signIn(page, user);

    // Jobs in several states: completed, failed and running.
    const completed = await launchFromForm(page, 'ping', {});
    const failed = await launchFromForm(page, 'failing', { 'Error message': 'The archive is offline.', 'Delay (seconds)': '0' });
    const running = await launchFromForm(page, 'long-running', { 'Duration (seconds)': '600', Steps: '100' });
    await expectJobStatus(page, completed, 'Completed');
    await expectJobStatus(page, failed, 'Failed');
    await expectJobStatus(page, running, 'Running');

    const jobPages = ['/jobs', '/jobs?tab=active', '/jobs?tab=failed', `/jobs/${running}`, `/jobs/${failed}`, `/jobs/${completed}`];
    // Pages every role opens (the API's: tokens and reference).
    const everyonePages = ['/settings/tokens', '/api-docs'];

    await checkPages(page, 'user', [...jobPages, '/jobs/new', '/jobs/new/long-running', '/jobs/new/failing', '/jobs/new/csv-import-check', ...everyonePages]);
    await test.step('user: the keyboard shortcuts dialog, open on the jobs page', async () => {
      await page.goto('/jobs');
      await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'live');
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
      await expectNoSeriousViolations(page, '/jobs with the shortcuts dialog open');
      await page.keyboard.press('Escape');
    });
    await test.step('user: the bulk preview, reached from the jobs page', async () => {
      await page.goto('/jobs');
      await jobRow(page, failed).getByRole('checkbox').check();
      await page.getByLabel('With').selectOption('retry');
      await page.getByRole('button', { name: 'Apply to selected jobs…' }).click();
      await expect(page).toHaveURL(/\/jobs\/bulk\?/);
      await expect(page.getByTestId('bulk-preview')).toBeVisible();
      await expectNoSeriousViolations(page, '/jobs/bulk as user');
    });

    const admin = await account('admin');
    const adminPage = await pageAs(admin);
    await test.step('admin: a schedule, so that /schedules shows its table', async () => {
      await adminPage.goto('/schedules');
      const form = adminPage.getByRole('form', { name: 'New schedule' });
      await form.getByLabel('Task').selectOption('ping');
      await form.getByLabel('Start now').uncheck();
      await form.getByRole('button', { name: 'Create schedule' }).click();
      await expect(form.getByTestId('form-notice')).toBeVisible();
    });
    await checkPages(adminPage, 'admin', [
      ...jobPages,
      '/jobs/new',
      '/jobs/new/queue-maintenance',
      '/jobs/new/history-report',
      '/dashboard',
      '/queues',
      '/tasks',
      '/schedules',
      '/audit',
      ...everyonePages,
      `/jobs/bulk?action=priority&ids=${running}&priority=high`,
    ]);

    const auditor = await pageAs(await account('auditor'));
    await checkPages(auditor, 'auditor', [...jobPages, '/audit', ...everyonePages, `/jobs/bulk?action=retry&ids=${failed}`]);
    // The ten-minute job would hold a worker slot through the specs that run after this one.
    await cli('stop', String(running), '--force');
  });
});
