import { auditTrailOf, expect, expectJobStatus, jobRow, launchFromForm, signIn, test } from './support';

test.describe('a user and their jobs', () => {
  test('launches the long task, sees it finish, and clears it', async ({ page, account, database }) => {
    const user = await account('user');
    await signIn(page, user);
    await expect(page.getByTestId('no-jobs')).toHaveText('There are no jobs.');

    await page.getByRole('link', { name: 'Launch a job' }).click();
    await page.getByRole('link', { name: 'Long-running task' }).click();
    await page.getByLabel('Duration (seconds)').fill('3');
    await page.getByLabel('Steps').fill('3');
    await page.getByRole('button', { name: 'Launch' }).click();
    await expect(page).toHaveURL(/\/jobs\/\d+$/);
    const jobId = new URL(page.url()).pathname.split('/').pop()!;
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Long-running task (3 s, 3 steps)');

    // The event stream brings the finished state in without a reload.
    await page.goto('/jobs');
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'live');
    const row = jobRow(page, jobId);
    await expect(row.locator('[data-status]').first()).toHaveText('Completed', { timeout: 30_000 });
    await expect(row).toContainText('Step 3 of 3 done.');

    await page.getByRole('link', { name: `Details of job ${jobId}` }).click();
    await expect(page.getByTestId('job-log')).toContainText('Step 3 of 3 done.');
    await expect(page.getByTestId('job-result')).toContainText('"steps": 3');

    await page.goto('/jobs');
    await page.getByRole('button', { name: 'Clear inactive jobs' }).click();
    await expect(page.getByText('Cleared 1 inactive job.')).toBeVisible();
    await expect(page.getByTestId('no-jobs')).toHaveText('There are no jobs.');
    expect(await auditTrailOf(database, user.email)).toEqual([
      { action: 'auth.sign_in', origin: 'web', jobCount: 0, address: 'recorded' },
      { action: 'job.launch', origin: 'web', jobCount: 1, address: 'recorded' },
      { action: 'jobs.clear_inactive', origin: 'web', jobCount: 1, address: 'recorded' },
    ]);
  });

  test('sees field errors beside the fields, and nothing is launched', async ({ page, account }) => {
    await signIn(page, await account('user'));
    await page.goto('/jobs/new/long-running');
    await page.getByLabel('Duration (seconds)').fill('0');
    await page.getByLabel('Steps').fill('1000');
    await page.getByRole('button', { name: 'Launch' }).click();
    await expect(page.getByTestId('form-error')).toHaveText('Please correct the fields marked below.');
    await expect(page.getByLabel('Duration (seconds)')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#field-durationSeconds-error')).toHaveText('At least 1 second');
    await expect(page.locator('#field-steps-error')).toHaveText('At most 100 steps');
    await expect(page.getByLabel('Steps')).toHaveValue('1000');
    await page.goto('/jobs');
    await expect(page.getByTestId('no-jobs')).toHaveText('There are no jobs.');
  });

  test('pasting more than 1 MB of CSV gets a field error, not a failed request', async ({ page, account }) => {
    await signIn(page, await account('user'));
    await page.goto('/jobs/new/csv-import-check');
    // 1.1 MB, set directly: typing it would take minutes. The form posts the field as it is.
    const csv = `identifier,title\n${`A1,${'x'.repeat(1000)}\n`.repeat(1100)}`;
    await page.getByLabel('CSV text').evaluate((textarea, text) => ((textarea as HTMLTextAreaElement).value = text), csv);
    await page.getByRole('button', { name: 'Launch' }).click();
    await expect(page.locator('#field-csv-error')).toHaveText('At most 1 MB of CSV text');
    await expect(page).toHaveURL(/\/jobs\/new\/csv-import-check$/);
  });

  test('sees a failed job with its error on the Failed tab and the details page', async ({ page, account }) => {
    await signIn(page, await account('user'));
    const jobId = await launchFromForm(page, 'failing', { 'Error message': 'The archive is offline.', 'Delay (seconds)': '0' });
    await expectJobStatus(page, jobId, 'Failed');
    await page.getByRole('link', { name: 'Failed jobs' }).click();
    await expect(jobRow(page, jobId)).toContainText('The archive is offline.');
    await page.getByRole('link', { name: 'Active jobs' }).click();
    await expect(page.getByTestId('no-jobs')).toHaveText('There are no active jobs.');
    await page.goto(`/jobs/${jobId}`);
    await expect(page.getByTestId('job-error')).toHaveText('The archive is offline.');
    await expect(page.getByTestId('job-attempt-errors')).toContainText('Attempt 1: error — The archive is offline.');
    await page.getByText('Stack trace').click();
    await expect(page.getByTestId('job-stack')).toContainText('Error: The archive is offline.');
  });

  test('cannot open an admin-only task', async ({ page, account }) => {
    await signIn(page, await account('user'));
    await page.goto('/jobs/new');
    await expect(page.getByRole('link', { name: 'Queue maintenance' })).toHaveCount(0);
    const response = await page.goto('/jobs/new/queue-maintenance');
    expect(response?.status()).toBe(404);
  });
});
