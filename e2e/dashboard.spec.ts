import { expect, launchFromForm, signIn, test } from './support';

test.describe('the admin dashboard', () => {
  test('shows the figures and changes a card live when a job fails', async ({ page, account, pageAs }) => {
    await signIn(page, await account('admin'));
    await page.goto('/dashboard');
    await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
    await expect(page.getByTestId('database-health')).toContainText('reachable');
    await expect(page.locator('[data-worker]').first()).toBeVisible();
    await expect(page.getByTestId('worker-state').first()).toHaveText('alive');
    await expect(page.locator('tr[data-queue="default"]')).toBeVisible();
    const failed = page.getByTestId('card-failed-value');
    const before = Number((await failed.textContent())!.replace(/,/g, ''));
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    const user = await pageAs(await account('user'));
    await launchFromForm(user, 'failing', { 'Delay (seconds)': '0' });

    await expect(failed).toHaveText(String(before + 1), { timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await expect(page.getByRole('figure').first()).toBeVisible();
  });

  test('an admin changes a threshold; a bad value gets its message and changes nothing', async ({ page, account }) => {
    await signIn(page, await account('admin'));
    await page.goto('/dashboard');
    await page.getByText('Thresholds and alert settings').click();
    await page.getByLabel('Queue length (waiting jobs), warning').fill('60');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByText('Critical must be at least the warning level')).toBeVisible();
    await page.getByLabel('Queue length (waiting jobs), warning').fill('20');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByText('Settings saved.')).toBeVisible();
    await page.reload();
    await page.getByText('Thresholds and alert settings').click();
    await expect(page.getByLabel('Queue length (waiting jobs), warning')).toHaveValue('20');
  });

  test('users and auditors get 404 on every admin page', async ({ pageAs, account }) => {
    for (const role of ['user', 'auditor'] as const) {
      const page = await pageAs(await account(role));
      for (const path of ['/dashboard', '/queues', '/tasks', '/schedules']) {
        expect({ role, path, status: (await page.goto(path))?.status() }).toEqual({ role, path, status: 404 });
      }
    }
  });
});
