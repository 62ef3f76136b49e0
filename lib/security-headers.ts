/**
 * The headers every response carries. Pages get a Content-Security-Policy whose scripts must carry
 * this request's nonce (Next.js puts it on its own scripts when it finds the policy on the request,
 * see proxy.ts), so an injected <script> does not run; nothing may frame the console; browsers may
 * not guess content types; other sites learn only our origin from links; and over HTTPS browsers
 * are told to stay on HTTPS.
 *
 * Styles allow 'unsafe-inline': React writes `style` attributes (chart sizes, progress bars), which
 * no nonce can cover. Scripts, the dangerous half, do not.
 */
export interface SecurityOptions {
  nonce: string;
  /** The request reached us over HTTPS (directly or, per X-Forwarded-Proto, through a proxy). */
  https: boolean;
  /** `next dev`: React's refresh needs eval. */
  development?: boolean;
}

export function contentSecurityPolicy({ nonce, https, development = false }: SecurityOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}

export function securityHeaders(options: SecurityOptions): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
    ...(options.https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The largest request body the console takes: the CSV import check's 1 MB of text and the form
 * around it. Server actions are held to it by Next.js (next.config.ts), which answers a bigger one
 * with a 500; the proxy refuses one that says its size with 413 first.
 */
export const MAX_REQUEST_BODY_BYTES = 2 * 1024 * 1024;
