import os from 'node:os';
import type { Page } from '@playwright/test';
import { expect, expectJobStatus, jobRow, launchFromForm, signIn, test, type TestAccount } from './support';

/** A finished job of a fresh user A (launched in A's own browser) and a finished CLI job. */
async function jobsOfOthers(
  account: (role: 'user', name: string) => Promise<TestAccount>,
  pageAs: (account: TestAccount) => Promise<Page>,
  cli: (...args: string[]) => Promise<string>,
) {
  const userA = await account('user', 'a');
  const pageA = await pageAs(userA);
  const userJob = await launchFromForm(pageA, 'failing', { 'Error message': 'Broken on purpose.', 'Delay (seconds)': '0' });
  const printed = await cli('enqueue', 'long-running', '--args', '{"durationSeconds": 1, "steps": 1}');
  expect(printed).toMatch(/^\d+$/);
  const cliJob = Number(printed);
  return { userA, pageA, userJob, cliJob };
}

test.describe('an admin', () => {
  test("sees the CLI job and user A's job, clears the CLI job but not user A's", async ({ page, account, pageAs, cli }) => {
    const { userA, userJob, cliJob } = await jobsOfOthers(account, pageAs, cli);
    await signIn(page, await account('admin'));
    await expect(page.getByRole('heading', { name: 'All users’ jobs' })).toBeVisible();
    await expectJobStatus(page, cliJob, 'Completed');
    await expectJobStatus(page, userJob, 'Failed');
    await expect(jobRow(page, cliJob)).toContainText(`${os.userInfo().username} (cli)`);
    await expect(jobRow(page, cliJob)).toContainText('cli');
    await expect(jobRow(page, userJob)).toContainText(userA.email);

    await page.getByRole('button', { name: 'Clear inactive jobs' }).click();
    await expect(page.getByText(/Cleared \d+ inactive jobs?\./)).toBeVisible();
    await expect(jobRow(page, cliJob)).toHaveCount(0);
    await expect(jobRow(page, userJob)).toBeVisible();
  });
});

test.describe('an auditor', () => {
  test('sees every job, including cleared ones, and has no clear button and no launch link', async ({ page, account, pageAs, cli }) => {
    const { userA, pageA, userJob, cliJob } = await jobsOfOthers(account, pageAs, cli);
    // User A clears their job: it leaves A's page but stays in the auditor's view, marked cleared.
    await expectJobStatus(pageA, userJob, 'Failed');
    await pageA.getByRole('button', { name: 'Clear inactive jobs' }).click();
    await expect(pageA.getByTestId('no-jobs')).toBeVisible();

    await signIn(page, await account('auditor'));
    await expectJobStatus(page, cliJob, 'Completed');
    await expect(jobRow(page, userJob)).toContainText(userA.email);
    await expect(jobRow(page, userJob)).toContainText('(cleared)');
    await expect(page.getByRole('button', { name: 'Clear inactive jobs' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Launch a job' })).toHaveCount(0);
    await page.goto(`/jobs/${userJob}`);
    await expect(page.getByTestId('job-error')).toHaveText('Broken on purpose.');
    await page.goto('/jobs/new');
    await expect(page.getByText('There are no tasks you can launch.')).toBeVisible();
  });
});
