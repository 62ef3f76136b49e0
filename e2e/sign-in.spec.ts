import { auditTrailOf, expect, signIn, test } from './support';

test.describe('signing in', () => {
  test('a wrong password and an unknown account get one and the same message', async ({ page, account, database }) => {
    const user = await account('user');
    const messages: string[] = [];
    for (const [email, password] of [
      [user.email, 'not-the-password'],
      ['nobody-here@example.test', 'whatever-password'],
    ]) {
      await page.goto('/login');
      await page.getByLabel('Email').fill(email!);
      await page.getByLabel('Password').fill(password!);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByTestId('sign-in-error')).toBeVisible();
      messages.push(await page.getByTestId('sign-in-error').innerText());
      await expect(page).toHaveURL(/\/login/);
    }
    expect(messages).toEqual(['Incorrect email or password.', 'Incorrect email or password.']);
    expect(await auditTrailOf(database, user.email)).toEqual([{ action: 'auth.sign_in_failed', origin: 'web', jobCount: 0, address: 'recorded' }]);
    expect(await auditTrailOf(database, 'nobody-here@example.test')).toEqual([
      { action: 'auth.sign_in_failed', origin: 'web', jobCount: 0, address: 'recorded' },
    ]);
  });

  test('after 10 failed sign-ins the account is held back, even with the right password; the audit says so', async ({ page, account, database }) => {
    const user = await account('user');
    const attempt = async (password: string) => {
      await page.goto('/login');
      await page.getByLabel('Email').fill(user.email.toUpperCase());
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByTestId('sign-in-error')).toBeVisible();
      return page.getByTestId('sign-in-error').innerText();
    };
    for (let i = 0; i < 10; i++) expect(await attempt(`wrong password ${i}`)).toBe('Incorrect email or password.');
    expect(await attempt(user.password)).toBe('Too many failed sign-ins for this account or from this address. Wait 15 minutes, then try again.');
    await expect(page).toHaveURL(/\/login/);
    const trail = await auditTrailOf(database, user.email);
    expect(trail.map((entry) => entry.action)).toEqual([...Array(10).fill('auth.sign_in_failed'), 'auth.sign_in_refused']);
  });

  test('signing out ends the session for good, even for a copy of the old cookie', async ({ page, context, account, database }) => {
    const user = await account('user');
    await signIn(page, user);
    await expect(page.getByRole('heading', { name: 'Your jobs' })).toBeVisible();
    const before = await context.cookies();
    expect(before.find((cookie) => cookie.name === 'authjs.session-token')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);

    // A request in flight at sign-out, or a stolen copy, brings the old cookie back: it must not work.
    await context.addCookies(before);
    await page.goto('/jobs');
    await expect(page).toHaveURL(/\/login(\?callbackUrl=%2Fjobs)?$/);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    expect((await auditTrailOf(database, user.email)).map((entry) => entry.action)).toEqual(['auth.sign_in', 'auth.sign_out']);
  });
});
