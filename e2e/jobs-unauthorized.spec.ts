import { expect, launchFromForm, signIn, test } from './support';

test.describe('what others may not see', () => {
  test("user B gets 404 on user A's job, exactly like a job that does not exist", async ({ pageAs, account }) => {
    const pageA = await pageAs(await account('user', 'a'));
    const jobId = await launchFromForm(pageA, 'failing', { 'Delay (seconds)': '0' });

    const pageB = await pageAs(await account('user', 'b'));
    for (const path of [`/jobs/${jobId}`, '/jobs/999999999']) {
      const response = await pageB.goto(path);
      expect({ path, status: response?.status() }).toEqual({ path, status: 404 });
      await expect(pageB.getByRole('heading', { name: 'Job not found' })).toBeVisible();
    }
    await pageB.goto('/jobs');
    await expect(pageB.getByTestId('no-jobs')).toHaveText('There are no jobs.');
  });

  test('a malformed job id is a 404', async ({ page, account }) => {
    await signIn(page, await account('admin'));
    for (const id of ['abc', '0', '-1', '1e3', '12345678901234567890', "1'or'1'='1"]) {
      const response = await page.goto(`/jobs/${encodeURIComponent(id)}`);
      expect({ id, status: response?.status() }).toEqual({ id, status: 404 });
    }
  });

  test('anonymous visitors are sent to sign in; the API answers 401', async ({ page, request }) => {
    for (const path of ['/jobs', '/jobs/1', '/jobs/new', '/jobs/new/long-running']) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/login/);
    }
    // The event stream and file downloads included: no stream, no file, one JSON error.
    for (const path of ['/api/jobs', '/api/jobs/stream', '/api/jobs/stream?since=0', '/api/jobs/1/artifacts/1']) {
      const api = await request.get(path, { maxRedirects: 0 });
      expect({ path, status: api.status(), body: await api.json() }).toEqual({
        path,
        status: 401,
        body: { error: { code: 'unauthorized', message: 'Sign in first.' } },
      });
    }
  });
});
