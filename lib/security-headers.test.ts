import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, newNonce, securityHeaders } from './security-headers';

describe('security headers', () => {
  it('allow scripts only with the nonce, forbid framing, and add HSTS only over HTTPS', () => {
    const plain = securityHeaders({ nonce: 'abc', https: false });
    expect(plain['Content-Security-Policy']).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(plain['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(plain['Content-Security-Policy']).not.toContain('unsafe-eval');
    expect(plain).toMatchObject({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'strict-origin-when-cross-origin', 'X-Frame-Options': 'DENY' });
    expect(plain['Strict-Transport-Security']).toBeUndefined();
    const secure = securityHeaders({ nonce: 'abc', https: true });
    expect(secure['Strict-Transport-Security']).toBe('max-age=31536000; includeSubDomains');
    expect(secure['Content-Security-Policy']).toContain('upgrade-insecure-requests');
    expect(contentSecurityPolicy({ nonce: 'abc', https: false, development: true })).toContain("'unsafe-eval'");
  });

  it('makes a different 128-bit nonce each time', () => {
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
    for (const nonce of [...nonces].slice(0, 10)) expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
  });
});
