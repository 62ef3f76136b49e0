import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContextOptions, Locator, Page } from '@playwright/test';
import { formatDateTime, formatExactDateTime, formatLocalDateTime } from '@/lib/format';
import { expect, expectJobStatus, jobRow, launchFromForm, signIn, test, type TestAccount } from './support';

/**
 * Appearance: the theme (system, light, dark) chosen on the page and remembered in a cookie, times
 * in the viewer's time zone, and the jobs and job details pages at phone width. Screenshots are
 * compared with baselines in appearance.spec.ts-snapshots/; whatever differs from run to run (ids,
 * times, durations, emails, the live indicator) is masked.
 */

const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 900 };

/** A signed-in page in a browser context of its own (size, zone, colour scheme). */
async function signedInPage(browser: Browser, account: TestAccount, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ timezoneId: 'Europe/Paris', ...options });
  const page = await context.newPage();
  await signIn(page, account);
  return page;
}

/** The page's background colour, to tell which theme is in effect. */
function bodyBackground(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

/** A user with one completed and one failed job, both with fixed titles; returns their ids. */
async function userWithJobs(page: Page): Promise<{ completed: number; failed: number }> {
  const completed = await launchFromForm(page, 'ping', { Message: 'Nightly check of the archive' });
  const failed = await launchFromForm(page, 'failing', { 'Error message': 'The archive is offline.', 'Delay (seconds)': '0' });
  await expectJobStatus(page, completed, 'Completed');
  await expectJobStatus(page, failed, 'Failed');
  return { completed, failed };
}

/** Waits until the live stream is connected and every client component has settled. */
async function settle(page: Page): Promise<void> {
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'live');
  await page.evaluate(() => document.fonts.ready);
}

/** What changes from run to run on the jobs and details pages. */
function masks(page: Page): Locator[] {
  const overviewValue = (label: string) => page.locator('dl > div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
  return [
    page.locator('time'),
    page.getByTestId('viewer'),
    page.getByTestId('live-status'),
    page.getByTestId('job-duration'),
    overviewValue('Job id'),
    overviewValue('Started by'),
    overviewValue('Worker'),
    overviewValue('Duration'),
  ];
}

/**
 * Masks hide what changes from run to run, but not its width: the account's random email, a job id
 * of one digit or two, "8 ms" or "12 ms", a worker's name (host:pid:random, in log lines too) would
 * still move the mask's edge or where lines wrap. Each becomes the same placeholder first.
 */
async function steadyText(page: Page): Promise<void> {
  await page.evaluate(() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      node.textContent = node
        .textContent!.replace(/[\w.+-]+@example\.test/g, 'someone@example.test')
        .replace(/[\w.-]+:\d+:[0-9a-f]{6}/g, 'host:1:abcdef');
    }
  });
  const overviewValue = (label: string) => page.locator('dl > div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
  await overviewValue('Job id').evaluateAll((cells) => cells.forEach((cell) => (cell.textContent = '1')));
  for (const durations of [overviewValue('Duration'), page.getByTestId('job-duration')]) {
    await durations.evaluateAll((cells) => cells.forEach((cell) => (cell.textContent = '1 s')));
  }
}

/** The whole page is as wide as the window: nothing scrolls sideways but boxes of their own. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
  expect(widths.page).toBeLessThanOrEqual(widths.window);
}

async function expectContrast(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withRules(['color-contrast']).analyze();
  const failures = results.violations.flatMap((violation) => violation.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`));
  expect.soft(failures, `colour contrast on ${where}`).toEqual([]);
}

test.describe('appearance', () => {
  test('the theme follows the system until chosen, and the choice survives a reload and signing out and in', async ({ page, account }) => {
    const user = await account('user');
    await page.emulateMedia({ colorScheme: 'light' });
    await signIn(page, user);
    const theme = page.getByLabel('Theme');
    await expect(theme).toHaveValue('system');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
    const light = await bodyBackground(page);

    // "System" follows the operating system's setting, both ways.
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await bodyBackground(page);
    expect(dark).not.toBe(light);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await bodyBackground(page)).toBe(light);

    // Dark while the system says light; it holds after a reload, in the first HTML already.
    await theme.selectOption('dark');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await bodyBackground(page)).toBe(dark);
    const response = await page.reload();
    expect(await response!.text()).toMatch(/<html[^>]* data-theme="dark"/);
    await expect(page.getByLabel('Theme')).toHaveValue('dark');
    expect(await bodyBackground(page)).toBe(dark);

    // Signed out: the sign-in page is dark too, and so is the console after signing in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByLabel('Theme')).toHaveValue('dark');
    expect(await bodyBackground(page)).toBe(dark);
    await signIn(page, user);
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await bodyBackground(page)).toBe(dark);

    // Light while the system says dark, chosen on the sign-in page this time.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByLabel('Theme').selectOption('light');
    await signIn(page, user);
    await expect(page.getByLabel('Theme')).toHaveValue('light');
    expect(await bodyBackground(page)).toBe(light);

    // Back to System: dark again, as the system says.
    await page.getByLabel('Theme').selectOption('system');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
    expect(await bodyBackground(page)).toBe(dark);
  });

  test('a theme cookie the console did not write means "system"', async ({ page, account, baseURL }) => {
    await page.context().addCookies([{ name: 'theme', value: 'purple', url: baseURL! }]);
    await signIn(page, await account('user'));
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
    await expect(page.getByLabel('Theme')).toHaveValue('system');
  });

  test('times are shown in the browser’s time zone, with the exact time on hover', async ({ browser, account, cli }) => {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    // The server renders the times in the zone the browser then hydrates them in: no mismatch.
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await signIn(page, await account('user'));
    const jobId = await launchFromForm(page, 'ping', {});
    await expectJobStatus(page, jobId, 'Completed');

    const created = jobRow(page, jobId).locator('time').first();
    const iso = await created.getAttribute('datetime');
    expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const at = new Date(iso!);
    await expect(created).toHaveText(formatLocalDateTime(at, 'Asia/Tokyo'));
    await expect(created).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+9$/);
    await expect(created).toHaveAttribute('title', formatExactDateTime(at, 'Asia/Tokyo'));
    await expect(created).toHaveAttribute('title', /Asia\/Tokyo \(UTC\+09:00\)$/);
    // Nine hours ahead of UTC: the wall clock differs from the UTC one.
    expect(formatLocalDateTime(at, 'Asia/Tokyo').slice(0, 16)).not.toBe(iso!.replace('T', ' ').slice(0, 16));

    await page.goto(`/jobs/${jobId}`);
    const queued = page.locator('dl > div').filter({ has: page.locator('dt', { hasText: /^Queued$/ }) }).locator('time');
    await expect(queued).toHaveText(formatLocalDateTime(at, 'Asia/Tokyo'));
    await expect(queued).toHaveAttribute('title', formatExactDateTime(at, 'Asia/Tokyo'));
    expect(errors.filter((text) => /hydrat|#418|#423|#425/i.test(text))).toEqual([]);
    // The command line keeps exact UTC.
    expect(await cli('show', String(jobId))).toContain(formatDateTime(at));
    await context.close();
  });

  test('the jobs and job details pages at phone width, light', async ({ browser, account }) => {
    const user = await account('user');
    const page = await signedInPage(browser, user, { viewport: PHONE, colorScheme: 'light' });
    const { completed, failed } = await userWithJobs(page);

    await page.goto('/jobs');
    await settle(page);
    await expect(jobRow(page, completed).locator('[data-status]').first()).toHaveText('Completed');
    await expect(jobRow(page, failed).locator('[data-status]').first()).toHaveText('Failed');
    await expectNoSidewaysScroll(page);
    // Each job is a card: its title and status side by side.
    const card = jobRow(page, completed);
    const title = await card.getByText('Ping', { exact: true }).boundingBox();
    const badge = await card.locator('[data-status]').first().boundingBox();
    expect(Math.abs(title!.y - badge!.y)).toBeLessThan(12);
    await steadyText(page);
    await expect(page).toHaveScreenshot('jobs-phone-light.png', { fullPage: true, animations: 'disabled', mask: masks(page) });

    await page.goto(`/jobs/${failed}`);
    await settle(page);
    await expectNoSidewaysScroll(page);
    await steadyText(page);
    await expect(page).toHaveScreenshot('job-details-phone-light.png', { fullPage: true, animations: 'disabled', mask: masks(page) });
    await page.context().close();
  });

  test('the jobs and job details pages at desktop width, dark', async ({ browser, account }) => {
    const user = await account('user');
    const page = await signedInPage(browser, user, { viewport: DESKTOP, colorScheme: 'dark' });
    const { failed } = await userWithJobs(page);
    await page.getByLabel('Theme').selectOption('dark');

    await page.goto('/jobs');
    await settle(page);
    await steadyText(page);
    await expect(page).toHaveScreenshot('jobs-desktop-dark.png', { fullPage: true, animations: 'disabled', mask: masks(page) });

    await page.goto(`/jobs/${failed}`);
    await settle(page);
    await steadyText(page);
    await expect(page).toHaveScreenshot('job-details-desktop-dark.png', { fullPage: true, animations: 'disabled', mask: masks(page) });
    await page.context().close();
  });

  test('colour contrast passes axe in both themes', async ({ browser, account }) => {
    const user = await account('user');
    let failed: number | undefined;
    for (const theme of ['light', 'dark'] as const) {
      // "System", with the system asking for this theme.
      const context = await browser.newContext({ colorScheme: theme });
      const page = await context.newPage();
      await page.goto('/login');
      await expectContrast(page, `/login (${theme})`);
      await signIn(page, user);
      failed ??= (await userWithJobs(page)).failed;
      for (const path of ['/jobs', `/jobs/${failed}`]) {
        await page.goto(path);
        await settle(page);
        await expectContrast(page, `${path} (${theme})`);
      }
      await context.close();
    }
  });
});
