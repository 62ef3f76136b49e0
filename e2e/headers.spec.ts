import { expect, test } from './support';

test.describe('security headers', () => {
  test('every page has a fresh CSP nonce that its scripts carry, and the page works under it', async ({ page, account, pageAs }) => {
    const user = await account('user');
    const signedIn = await pageAs(user);
    const violations: string[] = [];
    signedIn.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    const first = await signedIn.goto('/jobs');
    const second = await signedIn.request.get('/jobs');
    const policy = first!.headers()['content-security-policy']!;
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeTruthy();
    expect(second.headers()['content-security-policy']).not.toContain(nonce!);
    expect(first!.headers()).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'strict-origin-when-cross-origin', 'x-frame-options': 'DENY' });
    expect(policy).toContain("frame-ancestors 'none'");
    // Every script in the page's HTML carries the nonce (Next.js's own; the chunks they load later
    // are trusted through 'strict-dynamic'), so the page's JavaScript runs: the live stream connects.
    const tags = [...(await first!.text()).matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(tags.length).toBeGreaterThan(0);
    expect(tags.filter((tag) => !tag.includes(`nonce="${nonce}"`))).toEqual([]);
    await expect(signedIn.getByText('Live', { exact: true })).toBeVisible();
    // Markup injected into the page (what an XSS hole would let through) runs no script: inline
    // event handlers are refused.
    const ran = await signedIn.evaluate(async () => {
      const holder = document.createElement('div');
      holder.innerHTML = '<img src="/no-such-image" onerror="window.__injected = true">';
      document.body.append(holder);
      await new Promise((resolve) => setTimeout(resolve, 500));
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    expect(violations.length).toBeGreaterThan(0); // that refusal, and nothing else:
    expect(violations.filter((text) => !/inline event handler/i.test(text))).toEqual([]);
    // The sign-in page and an API answer carry the headers too.
    const login = await page.request.get('/login');
    expect(login.headers()['content-security-policy']).toContain("'strict-dynamic'");
    const api = await page.request.get('/api/jobs/export');
    expect(api.status()).toBe(401);
    expect(api.headers()['x-content-type-options']).toBe('nosniff');
  });
});
