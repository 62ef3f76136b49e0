import { expect, signIn, test } from './support';

// Users and auditors getting 404 on /schedules is in dashboard.spec.ts, with the other admin pages.

test.describe('schedules', () => {
  test('an admin creates a schedule that runs every minute and sees its run appear', async ({ page, account }) => {
    const admin = await account('admin');
    await signIn(page, admin);
    await page.goto('/schedules');
    await expect(page.getByRole('heading', { name: 'Schedules', level: 1 })).toBeVisible();

    const form = page.getByRole('form', { name: 'New schedule' });
    await form.getByLabel('Task').selectOption('long-running');
    await form.getByLabel('Arguments (JSON)').fill('{"durationSeconds": 1}');
    // The first run is left at its default: now, in UTC.
    await expect(form.getByLabel('First run (UTC)')).not.toHaveValue('');
    await form.getByLabel('Repeat', { exact: true }).selectOption('minutes');
    await form.getByLabel('N (1–1000)').fill('1');
    await expect(form.getByLabel('Start now')).toBeChecked();
    await form.getByRole('button', { name: 'Create schedule' }).click();

    const notice = form.getByTestId('form-notice');
    await expect(notice).toHaveText(/^Schedule \d+ created and started\.$/);
    const scheduleId = Number(/Schedule (\d+)/.exec((await notice.textContent()) ?? '')![1]);
    const schedule = page.locator(`tbody[data-schedule-id="${scheduleId}"]`);
    await expect(schedule.getByTestId('schedule-repetition')).toContainText('every minute');
    await expect(schedule.getByTestId('schedule-arguments')).toContainText('"durationSeconds":1');
    await expect(schedule).toContainText(admin.email);

    // Its first run appears live, without reloading the page.
    await schedule.getByText(/^Last runs/).click();
    const run = schedule.getByTestId('schedule-runs').locator('li[data-job-id]').first();
    await expect(run).toBeVisible({ timeout: 30_000 });
    const jobId = await run.getAttribute('data-job-id');
    await expect(schedule.getByTestId('schedule-last-run')).not.toHaveText('Never');
    await expect(schedule.getByTestId('schedule-next-run')).toContainText('UTC');

    await run.getByRole('link', { name: `Job ${jobId}` }).click();
    await expect(page).toHaveURL(new RegExp(`/jobs/${jobId}$`));
    await expect(page.locator('dt', { hasText: /^Origin$/ }).locator('xpath=following-sibling::dd')).toHaveText('schedule');
    await expect(page.locator('dt', { hasText: /^Started by$/ }).locator('xpath=following-sibling::dd')).toHaveText(admin.email);

    // Stop it, then delete it (after confirming), so that it does not run on during the other specs.
    await page.goto('/schedules');
    await schedule.getByRole('button', { name: 'Stop' }).click();
    await expect(schedule.getByRole('button', { name: 'Start' })).toBeVisible();
    await expect(schedule.getByTestId('schedule-next-run')).toHaveText('—');
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await schedule.getByRole('button', { name: 'Delete' }).click();
    await expect(schedule).toHaveCount(0);
    expect(dialogs).toEqual([`Delete schedule ${scheduleId}? It will not run again; the jobs it launched stay.`]);
  });

  test('bad arguments are refused by the task’s own schema, next to the field, and nothing is created', async ({ page, account }) => {
    const admin = await account('admin');
    await signIn(page, admin);
    await page.goto('/schedules');
    const form = page.getByRole('form', { name: 'New schedule' });
    await form.getByLabel('Task').selectOption('long-running');
    await form.getByLabel('Arguments (JSON)').fill('{"durationSeconds": 0}');
    await form.getByRole('button', { name: 'Create schedule' }).click();
    await expect(form.getByTestId('form-error')).toHaveText('Please correct the fields marked below.');
    await expect(form.getByTestId('field-error')).toHaveText('durationSeconds: At least 1 second');
    await expect(form.getByLabel('Arguments (JSON)')).toHaveValue('{"durationSeconds": 0}');
    await expect(page.locator('tbody[data-schedule-id]').filter({ hasText: admin.email })).toHaveCount(0);
  });
});
