import { expect, launchFromForm, signIn, test } from './support';

test.describe('job control from the details page', () => {
  test('stop a running job and watch it become cancelled live, then retry it', async ({ page, account }) => {
    await signIn(page, await account('user'));
    const jobId = await launchFromForm(page, 'long-running', { 'Duration (seconds)': '60', Steps: '60' });
    const status = page.getByTestId('job-live-status');
    await expect(status).toHaveAttribute('data-status', 'running', { timeout: 15_000 });
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(status).toHaveAttribute('data-status', 'cancelled', { timeout: 5000 });
    expect(dialogs).toEqual([`Stop job ${jobId} at its next step?`]);
    await expect(page.getByTestId('job-message')).toHaveText('Stopped as requested during attempt 1.');
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

    await page.getByRole('button', { name: 'Retry' }).click();
    await expect(page).not.toHaveURL(new RegExp(`/jobs/${jobId}$`));
    await expect(page.getByRole('link', { name: `Job ${jobId}` })).toBeVisible();
    const retryId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.goto(`/jobs/${jobId}`);
    await expect(page.getByRole('link', { name: `Job ${retryId}` })).toBeVisible();
  });

  test('force-stop a task that ignores stop requests; declining the confirmation changes nothing', async ({ page, account }) => {
    await signIn(page, await account('user'));
    await page.goto('/jobs/new/long-running');
    await page.getByLabel('Duration (seconds)').fill('60');
    await page.getByLabel('Ignore stop requests').check();
    await page.getByRole('button', { name: 'Launch' }).click();
    await expect(page).toHaveURL(/\/jobs\/\d+$/);
    const status = page.getByTestId('job-live-status');
    await expect(status).toHaveAttribute('data-status', 'running', { timeout: 15_000 });

    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByRole('button', { name: 'Force stop' }).click();
    await page.waitForTimeout(1000);
    await expect(status).toHaveAttribute('data-status', 'running');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Force stop' }).click();
    await expect(status).toHaveAttribute('data-status', 'cancelled', { timeout: 5000 });
    await expect(page.getByTestId('job-message')).toContainText('Force-stopped by');
  });

  test('an auditor has no job actions', async ({ page, account, pageAs }) => {
    const owner = await pageAs(await account('user'));
    const jobId = await launchFromForm(owner, 'failing', { 'Delay (seconds)': '0' });
    await signIn(page, await account('auditor'));
    await page.goto(`/jobs/${jobId}`);
    await expect(page.getByTestId('job-live-status')).toHaveAttribute('data-status', 'failed', { timeout: 15_000 });
    await expect(page.getByRole('form', { name: 'Job actions' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  });
});

test.describe('queues', () => {
  test('pause a queue, launch a job, see it wait; resume, see it run', async ({ page, account }) => {
    await signIn(page, await account('admin'));
    await page.getByRole('link', { name: 'Queues' }).click();
    const queue = page.locator('tr[data-queue="default"]');
    page.on('dialog', (dialog) => void dialog.accept());
    await queue.getByRole('button', { name: 'Pause' }).click();
    await expect(queue.getByTestId('queue-state')).toHaveText('Paused');

    const jobId = await launchFromForm(page, 'long-running', { 'Duration (seconds)': '1', Steps: '1' });
    await expect(page.getByTestId('job-position')).toHaveText('Waiting for queue default to resume');
    await page.waitForTimeout(2000);
    await expect(page.getByTestId('job-live-status')).toHaveAttribute('data-status', 'queued');
    await page.goto('/jobs');
    await expect(page.locator(`tr[data-job-id="${jobId}"]`).getByTestId('queue-paused')).toHaveText('(queue default paused)');

    await page.goto('/queues');
    await queue.getByRole('button', { name: 'Resume' }).click();
    await expect(queue.getByTestId('queue-state')).toHaveText('Running');
    await page.goto(`/jobs/${jobId}`);
    await expect(page.getByTestId('job-live-status')).toHaveAttribute('data-status', 'completed', { timeout: 15_000 });
  });

  test('a job launched at high priority says so; users have no Queues page', async ({ page, account, pageAs }) => {
    const user = await pageAs(await account('user'));
    await user.goto('/jobs/new/long-running');
    await user.getByLabel('Duration (seconds)').fill('1');
    await user.getByLabel('Priority').selectOption('high');
    await user.getByRole('button', { name: 'Launch' }).click();
    await expect(user).toHaveURL(/\/jobs\/\d+$/);
    await expect(user.locator('section[aria-labelledby="overview"] dl')).toContainText('Priorityhigh');
    await expect(user.getByRole('link', { name: 'Queues' })).toHaveCount(0);
    const response = await user.goto('/queues');
    expect(response?.status()).toBe(404);
    await signIn(page, await account('auditor'));
    expect((await page.goto('/queues'))?.status()).toBe(404);
  });
});

test.describe('bulk actions', () => {
  test('bulk-retry three failed jobs after the confirmation', async ({ page, account }) => {
    await signIn(page, await account('user'));
    const failed: number[] = [];
    for (let index = 0; index < 3; index++) failed.push(await launchFromForm(page, 'failing', { 'Delay (seconds)': '0' }));
    await page.goto('/jobs?tab=failed');
    for (const id of failed) await expect(page.locator(`tr[data-job-id="${id}"]`)).toBeVisible({ timeout: 15_000 });

    for (const id of failed) await page.getByLabel(`Select job ${id}`).check();
    await page.getByLabel('With').selectOption('retry');
    await page.getByRole('button', { name: 'Apply to selected jobs…' }).click();
    await expect(page).toHaveURL(/\/jobs\/bulk\?/);
    await expect(page.getByTestId('bulk-preview')).toHaveText(/^This will retry 3 jobs \(of the 3 selected jobs;/);
    await page.getByRole('button', { name: 'Confirm: retry 3 jobs' }).click();
    await expect(page.getByTestId('bulk-done')).toHaveText('Done: 3 jobs changed.');
    for (const id of failed) {
      await page.goto(`/jobs/${id}`);
      await expect(page.getByText('Retried as')).toBeVisible();
    }
  });
});
