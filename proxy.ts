import NextAuth from 'next-auth';
import { NextResponse } from 'next/server';
import { authConfig } from '@/auth.config';
import { MAX_REQUEST_BODY_BYTES, newNonce, securityHeaders } from '@/lib/security-headers';

const { auth } = NextAuth(authConfig);

/**
 * Every request passes here first. It gets a fresh CSP nonce and the security headers
 * (lib/security-headers.ts): the policy goes on the request too, where Next.js reads it to put the
 * nonce on its scripts. Then an optimistic first check only: anonymous page requests go to the
 * sign-in page and anonymous API requests get 401 (the token API, /api/v1, checks its tokens in
 * its routes). It cannot see revoked sessions or disabled
 * accounts; every page, action and route handler checks the viewer again (lib/session.ts), and
 * that check is the line of defence.
 */
export const proxy = auth((request) => {
  const nonce = newNonce();
  const https = (request.headers.get('x-forwarded-proto') ?? request.nextUrl.protocol.replace(':', '')).split(',')[0]!.trim() === 'https';
  const headers = securityHeaders({ nonce, https, development: process.env.NODE_ENV === 'development' });
  const { pathname, search } = request.nextUrl;
  // A form posted from another site (what Next.js refuses for server actions too, but with a 500):
  // anything but a read, with an Origin that is not this host, is refused here.
  const origin = request.headers.get('origin');
  if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method) && origin !== null) {
    const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() ?? request.headers.get('host');
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      // "null" (a sandboxed frame, a file) or garbage: not this host
    }
    if (originHost !== host) {
      return refuse(403, 'cross_origin', 'This request came from another site, so it was refused.');
    }
  }
  // A path whose percent-encoding is not UTF-8 cannot be routed: Next.js would answer 500.
  try {
    decodeURIComponent(request.nextUrl.pathname);
  } catch {
    return refuse(400, 'bad_request', 'The address is not valid: its percent-encoding is not UTF-8.');
  }
  const declaredSize = Number(request.headers.get('content-length') ?? 0);
  if (declaredSize > MAX_REQUEST_BODY_BYTES) {
    return refuse(413, 'payload_too_large', `The request is too large: at most ${MAX_REQUEST_BODY_BYTES / 1024 / 1024} MB.`);
  }
  // Route handlers answer data, not pages, and one sets a policy of its own (a downloaded file is a
  // sandbox), which this one would replace: they get the other headers only.
  const api = pathname.startsWith('/api/');
  const secured = <T extends Response>(response: T): T => {
    for (const [name, value] of Object.entries(headers)) if (!(api && name === 'Content-Security-Policy')) response.headers.set(name, value);
    return response;
  };
  // The REST API authenticates each request by its token, in the route (lib/api/respond.ts).
  const tokenApi = pathname === '/api/v1' || pathname.startsWith('/api/v1/');
  if (pathname.startsWith('/api/auth/') || pathname === '/login' || tokenApi || request.auth?.user?.id) {
    const forwarded = new Headers(request.headers);
    forwarded.set('x-nonce', nonce);
    forwarded.set('Content-Security-Policy', headers['Content-Security-Policy']!);
    return secured(NextResponse.next({ request: { headers: forwarded } }));
  }
  if (api) {
    return secured(refuse(401, 'unauthorized', 'Sign in first.'));
  }
  const login = new URL('/login', request.nextUrl);
  if (pathname !== '/') login.searchParams.set('callbackUrl', `${pathname}${search}`);
  // 303 for a form post: a browser then GETs the sign-in page (after a 307 it would post the form
  // again, to a page that holds no such action).
  return secured(NextResponse.redirect(login, ['GET', 'HEAD'].includes(request.method) ? 307 : 303));
});

/** The API's error shape, for what the proxy refuses before any route sees it. */
function refuse(status: number, code: string, message: string) {
  return NextResponse.json({ error: { code, message } }, { status, headers: { 'X-Content-Type-Options': 'nosniff' } });
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
