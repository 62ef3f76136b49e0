import type { Page } from '@playwright/test';
import { expect, jobRow, test, type TestAccount } from './support';

/**
 * The console driven by the keyboard alone: Tab, Shift+Tab, Enter, Space, arrows and the jobs
 * page's shortcuts. No clicks, no fill(): what is typed is typed with page.keyboard.
 */

/** The accessible-ish name of the focused element: its aria-label, else its text, else its label's. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element) return '';
    const labelled = element.getAttribute('aria-label');
    if (labelled) return labelled;
    const label = (element.id ? document.querySelector(`label[for="${element.id}"]`) : null) ?? element.closest('label');
    return (label?.textContent ?? element.textContent ?? '').replace(/\s+/g, ' ').trim();
  });
}

/** Presses Tab (or Shift+Tab) until the focused element's name matches, as someone without a mouse would. */
async function tabTo(page: Page, name: string | RegExp, { backwards = false, max = 80 } = {}): Promise<void> {
  const matches = (text: string) => (typeof name === 'string' ? text === name : name.test(text));
  for (let presses = 0; presses < max; presses++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    if (matches(await focusedName(page))) return;
  }
  throw new Error(`No focusable element named ${String(name)} within ${max} presses of ${backwards ? 'Shift+Tab' : 'Tab'}`);
}

/** Whether the focused element shows a focus ring (the :focus-visible outline of globals.css, or its own). */
function focusRingShown(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return false;
    const style = getComputedStyle(element);
    return element.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  });
}

/** Waits for the page's scripts to run (the live stream connects from an effect, as the shortcuts listen from one). */
async function hydrated(page: Page): Promise<void> {
  await expect(page.getByTestId('live-status').first()).toHaveAttribute('data-state', 'live');
}

async function signInWithKeyboard(page: Page, account: TestAccount): Promise<void> {
  await page.goto('/login');
  await tabTo(page, 'Email');
  await page.keyboard.type(account.email);
  await page.keyboard.press('Tab');
  expect(await focusedName(page)).toBe('Password');
  await page.keyboard.type(account.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/jobs$/);
  await expect(page.getByTestId('viewer')).toContainText(account.email);
  await hydrated(page);
}

test.describe('keyboard only', () => {
  test('sign in, launch a long task, open it from the list, stop it, and see it cancelled', async ({ page, account }) => {
    await signInWithKeyboard(page, await account('user'));

    await tabTo(page, 'Launch a job');
    expect(await focusRingShown(page)).toBe(true);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/jobs\/new$/);
    await tabTo(page, 'Long-running task');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/jobs\/new\/long-running$/);

    await tabTo(page, /^Duration \(seconds\)/);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('120');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('60');
    // The checkbox is left unticked: Space ticks it, Space again unticks it.
    await tabTo(page, 'Ignore stop requests');
    await page.keyboard.press('Space');
    await expect(page.getByLabel('Ignore stop requests')).toBeChecked();
    await page.keyboard.press('Space');
    await expect(page.getByLabel('Ignore stop requests')).not.toBeChecked();
    await tabTo(page, 'Launch');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/jobs\/\d+$/);
    const jobId = new URL(page.url()).pathname.split('/').pop()!;
    await expect(page.getByTestId('job-live-status')).toHaveAttribute('data-status', 'running', { timeout: 30_000 });

    // Back to the list by its link, then j and Enter open the job (the newest row is the first).
    await tabTo(page, '← Jobs');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/jobs$/);
    await expect(jobRow(page, jobId)).toBeVisible();
    await hydrated(page);
    await page.keyboard.press('j');
    await expect(jobRow(page, jobId)).toHaveAttribute('aria-current', 'true');
    await expect(jobRow(page, jobId)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`/jobs/${jobId}$`));

    // Stop asks first (a confirm dialog); the keyboard's answer is Enter on OK.
    page.once('dialog', (dialog) => void dialog.accept());
    await tabTo(page, 'Stop');
    expect(await focusRingShown(page)).toBe(true);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('job-live-status')).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 });
    await expect(page.getByTestId('live-announcer')).toHaveText(`Job ${jobId} cancelled.`);
    await expect(page.getByTestId('job-outcome')).toHaveText('Cancelled');
  });

  test('the ? dialog lists the shortcuts, takes focus, and gives it back on Escape', async ({ page, account }) => {
    await signInWithKeyboard(page, await account('user'));
    await tabTo(page, 'Refresh');
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('Next job');
    await expect(dialog).toContainText('Failed jobs tab');
    expect(await page.evaluate(() => document.querySelector('dialog[open]')?.contains(document.activeElement))).toBe(true);
    // Shortcuts do not fire behind it.
    await page.keyboard.press('j');
    await expect(page).toHaveURL(/\/jobs$/);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    expect(await focusedName(page)).toBe('Refresh');

    // The page's button opens it too; its Close button closes it.
    await tabTo(page, 'Keyboard shortcuts');
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    expect(await focusedName(page)).toBe('Close');
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    expect(await focusedName(page)).toBe('Keyboard shortcuts');
  });

  test('j, k, arrows, Enter, / and the tab keys on the jobs page; none of them while typing', async ({ page, account, cli }) => {
    // CLI jobs, seen by an admin: three rows, newest first.
    const ids = (await cli('enqueue', 'ping', '--count', '3')).split('\n').map((line) => line.trim());
    await signInWithKeyboard(page, await account('admin'));
    const [newest, middle, oldest] = [...ids].reverse();
    for (const id of ids) await expect(jobRow(page, id)).toBeVisible();

    await page.keyboard.press('j');
    await expect(jobRow(page, newest!)).toHaveAttribute('aria-current', 'true');
    await page.keyboard.press('j');
    await expect(jobRow(page, middle!)).toHaveAttribute('aria-current', 'true');
    await expect(jobRow(page, newest!)).not.toHaveAttribute('aria-current', 'true');
    await page.keyboard.press('ArrowDown');
    await expect(jobRow(page, oldest!)).toHaveAttribute('aria-current', 'true');
    await expect(jobRow(page, oldest!)).toBeFocused();
    await page.keyboard.press('k');
    await page.keyboard.press('ArrowUp');
    await expect(jobRow(page, newest!)).toHaveAttribute('aria-current', 'true');
    await page.keyboard.press('j');

    // "/" goes to the Words filter; typing there types, shortcuts included.
    await page.keyboard.press('/');
    await expect(page.getByLabel('Words')).toBeFocused();
    await page.keyboard.type('jk2o');
    await expect(page.getByLabel('Words')).toHaveValue('jk2o');
    await expect(jobRow(page, middle!)).toHaveAttribute('aria-current', 'true');
    await expect(page).toHaveURL(/\/jobs$/);
    // Ctrl with a shortcut's key is the browser's, not ours.
    await page.keyboard.press('Escape');
    await tabTo(page, 'Filter');
    await page.keyboard.press('Control+2');
    await expect(page).toHaveURL(/\/jobs$/);

    // Back to the rows, from where the current one was: o opens it.
    await page.keyboard.press('j');
    await expect(jobRow(page, oldest!)).toHaveAttribute('aria-current', 'true');
    await page.keyboard.press('k');
    await expect(jobRow(page, middle!)).toHaveAttribute('aria-current', 'true');
    await page.keyboard.press('o');
    await expect(page).toHaveURL(new RegExp(`/jobs/${middle}$`));

    await page.goto('/jobs');
    await hydrated(page);
    await page.keyboard.press('3');
    await expect(page).toHaveURL(/\/jobs\?tab=failed$/);
    await expect(page.getByRole('link', { name: /Failed jobs/ })).toHaveAttribute('aria-current', 'page');
    await page.keyboard.press('2');
    await expect(page).toHaveURL(/\/jobs\?tab=active$/);
    await page.keyboard.press('1');
    await expect(page).toHaveURL(/\/jobs$/);
    await page.keyboard.press('r');
    await expect(jobRow(page, newest!)).toBeVisible();
    // A job that ends while the page is open is told to screen readers, politely.
    const another = await cli('enqueue', 'ping');
    await expect(jobRow(page, another)).toBeVisible();
    await expect(page.getByTestId('live-announcer')).toHaveText(`Job ${another} completed.`);
    await expect(page.getByTestId('live-announcer')).toHaveAttribute('aria-live', 'polite');
    // The Enter of a focused link stays the link's.
    await tabTo(page, `Details of job ${oldest}`);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`/jobs/${oldest}$`));
  });
});
