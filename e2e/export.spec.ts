import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { expect, launchFromForm, signIn, test } from './support';

test.describe('history export and the audit log', () => {
  test('an auditor filters to failed jobs of one task and downloads the CSV: the file has those rows', async ({ page, account, pageAs }) => {
    const userA = await account('user', 'a');
    const pageA = await pageAs(userA);
    const failed = [
      await launchFromForm(pageA, 'failing', { 'Error message': '=1+1 broke, "badly"', 'Delay (seconds)': '0' }),
      await launchFromForm(pageA, 'failing', { 'Delay (seconds)': '0' }),
    ];
    const completed = await launchFromForm(pageA, 'long-running', { 'Duration (seconds)': '1', Steps: '1' });
    await expect(pageA.getByTestId('job-live-status')).toHaveAttribute('data-status', 'completed', { timeout: 15_000 });

    await signIn(page, await account('auditor'));
    await page.getByRole('link', { name: 'Failed jobs' }).click();
    const filters = page.getByRole('form', { name: 'Filter jobs' });
    await filters.getByLabel('Task').selectOption('failing');
    await filters.getByLabel('User').fill(userA.email);
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/tab=failed/);
    await expect(page).toHaveURL(/task=failing/);
    for (const id of failed) await expect(page.locator(`tr[data-job-id="${id}"]`)).toBeVisible({ timeout: 15_000 });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export history CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^jobs-failed-failing-user-\d{4}-\d\d-\d\d\.csv$/);
    const rows = parse(fs.readFileSync((await download.path())!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => Number(row.id)).sort((x, y) => x - y)).toEqual([...failed].sort((x, y) => x - y));
    expect(rows.map((row) => row.id)).not.toContain(String(completed));
    expect(rows.every((row) => row.jobStatus === 'failed' && row.task === 'failing' && row.jobUser === userA.email)).toBe(true);
    expect(rows.find((row) => Number(row.id) === failed[0])!.errorMessage).toBe("'=1+1 broke, \"badly\"");

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('form', { name: 'Filter the audit log' }).getByLabel('Action').selectOption('jobs.export');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.locator('tbody tr').first()).toContainText('jobs.export');
    await expect(page.locator('tbody tr').first()).toContainText('"task":"failing"');
  });

  test('users get their own jobs only and no audit log; anonymous gets 401', async ({ page, account, request }) => {
    await signIn(page, await account('user'));
    const response = await page.request.get('/api/jobs/export?format=jsonl');
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(await response.text()).toBe('');
    expect((await page.goto('/audit'))?.status()).toBe(404);
    expect((await page.request.get('/api/audit/export')).status()).toBe(403);
    const bad = await page.request.get('/api/jobs/export?format=xlsx');
    expect({ status: bad.status(), body: await bad.json() }).toEqual({ status: 400, body: { error: { code: 'bad_request', message: 'format must be one of csv, jsonl.' } } });
    for (const path of ['/api/jobs/export', '/api/audit/export']) {
      const anonymous = await request.get(path, { maxRedirects: 0 });
      expect({ path, status: anonymous.status() }).toEqual({ path, status: 401 });
    }
  });
});
