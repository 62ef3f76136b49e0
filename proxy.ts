import NextAuth from 'next-auth';
import { NextResponse } from 'next/server';
import { authConfig } from '@/auth.config';

const { auth } = NextAuth(authConfig);

/**
 * An optimistic first check only: anonymous page requests go to the sign-in page and anonymous API
 * requests get 401. It cannot see revoked sessions or disabled accounts; every page, action and
 * route handler checks the viewer again (lib/session.ts), and that check is the line of defence.
 */
export const proxy = auth((request) => {
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith('/api/auth/') || pathname === '/login') return NextResponse.next();
  if (request.auth?.user?.id) return NextResponse.next();
  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, { status: 401 });
  }
  const login = new URL('/login', request.nextUrl);
  if (pathname !== '/') login.searchParams.set('callbackUrl', `${pathname}${search}`);
  return NextResponse.redirect(login);
});

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
