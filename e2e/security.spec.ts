import { eq } from 'drizzle-orm';
import { jobs } from '@/db/schema';
import { expect, expectJobStatus, hiddenFormFields, launchFromForm, test } from './support';

test.describe('requests from elsewhere, and cookies', () => {
  test('a server action posted with another site’s Origin, or over 2 MB, changes nothing; the same post from here works', async ({ pageAs, account, database }) => {
    const user = await account('user');
    const page = await pageAs(user);
    const post = async (origin: string) => {
      const html = await (await page.request.get('/jobs/new/ping')).text();
      const fields = hiddenFormFields(html, 'priority')!;
      const multipart: Record<string, string> = Object.fromEntries(fields);
      multipart.message = `from ${origin}`;
      multipart.priority = 'normal';
      return page.request.post('/jobs/new/ping', { multipart, headers: { origin }, maxRedirects: 0 });
    };
    const ownedJobs = async () => (await database.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.ownerId, user.id))).length;

    const forged = await post('https://evil.example');
    expect(forged.status()).toBe(403);
    expect(await forged.json()).toEqual({ error: { code: 'cross_origin', message: 'This request came from another site, so it was refused.' } });
    expect(await ownedJobs()).toBe(0);

    const baseURL = new URL(page.url()).origin;
    // A body over the 2 MB server-action limit is refused before the action runs.
    const html = await (await page.request.get('/jobs/new/ping')).text();
    const oversized = await page.request.post('/jobs/new/ping', {
      multipart: { ...Object.fromEntries(hiddenFormFields(html, 'priority')!), message: 'x'.repeat(3 * 1024 * 1024), priority: 'normal' },
      headers: { origin: baseURL },
      maxRedirects: 0,
    });
    expect(oversized.status()).toBe(413);
    expect(await ownedJobs()).toBe(0);

    const genuine = await post(baseURL);
    expect(genuine.status()).toBe(303);
    expect(genuine.headers()['location']).toMatch(/\/jobs\/\d+$/);
    expect(await ownedJobs()).toBe(1);
  });

  test('behind HTTPS the session cookie is Secure as well as HttpOnly and SameSite=Lax; each sign-in gets a new token', async ({ playwright, account, baseURL }) => {
    const user = await account('user');
    const signInOver = async (proto: 'http' | 'https') => {
      const request = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { 'x-forwarded-proto': proto } });
      const csrf = (await (await request.get('/api/auth/csrf')).json()) as { csrfToken: string };
      const response = await request.post('/api/auth/callback/credentials', {
        form: { csrfToken: csrf.csrfToken, email: user.email, password: user.password, callbackUrl: '/jobs' },
        maxRedirects: 0,
      });
      const cookies = response.headersArray().filter((header) => header.name.toLowerCase() === 'set-cookie').map((header) => header.value);
      await request.dispose();
      const session = cookies.find((cookie) => /^(__Secure-)?authjs\.session-token=/.test(cookie))!;
      return { session, token: /=([^;]+)/.exec(session)![1] };
    };
    const secure = await signInOver('https');
    expect(secure.session).toMatch(/^__Secure-authjs\.session-token=/);
    expect(secure.session).toMatch(/;\s*Secure/i);
    expect(secure.session).toMatch(/;\s*HttpOnly/i);
    expect(secure.session).toMatch(/;\s*SameSite=Lax/i);
    const first = await signInOver('http');
    const second = await signInOver('http');
    expect(first.session).not.toMatch(/;\s*Secure/i);
    expect(first.token).not.toBe(second.token);
  });
});

test.describe('secret arguments', () => {
  test('are typed in a password field, never sent back, and shown as •••• on the job page, its log and error, and in the export', async ({ pageAs, account }) => {
    const user = await account('user');
    const page = await pageAs(user);
    const secret = 'swordfish-7Hq2';
    await page.goto('/jobs/new/failing');
    await expect(page.getByLabel('Secret', { exact: true })).toHaveAttribute('type', 'password');

    // A failed submission gives back what was typed, except the secret.
    await page.getByLabel('Secret', { exact: true }).fill(secret);
    await page.getByLabel('Attempts', { exact: true }).fill('9');
    await page.getByRole('button', { name: 'Launch' }).click();
    await expect(page.getByText('At most 5 attempts')).toBeVisible();
    await expect(page.getByLabel('Attempts', { exact: true })).toHaveValue('9');
    await expect(page.getByLabel('Secret', { exact: true })).toHaveValue('');
    expect(await page.content()).not.toContain(secret);

    const id = await launchFromForm(page, 'failing', { 'Error message': 'Wrong key {secret}', 'Delay (seconds)': '0', Secret: secret });
    await expectJobStatus(page, id, 'Failed');
    await page.goto(`/jobs/${id}`);
    await expect(page.getByText('Wrong key ••••').first()).toBeVisible();
    await expect(page.getByTestId('job-log').getByText(`The secret given is •••• (${secret.length} characters).`)).toBeVisible();
    expect(await page.content()).not.toContain(secret);
    const exported = await page.request.get('/api/jobs/export?format=jsonl');
    const text = await exported.text();
    expect(text.trimEnd().split('\n').map((line) => (JSON.parse(line) as { id: number }).id)).toContain(id);
    expect(text).not.toContain(secret);
  });
});
