import NextAuth from 'next-auth';
import { NextResponse } from 'next/server';
import { authConfig } from '@/auth.config';

const { auth } = NextAuth(authConfig);

/**
 * An optimistic first check only (the data-access layer is the line of defence): anonymous page
 * requests go to the sign-in page, anonymous API requests get 401, and signed-in people skip /login.
 */
export const proxy = auth((request) => {
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith('/api/auth/')) return NextResponse.next();
  const signedIn = Boolean(request.auth?.user?.id);
  if (pathname === '/login') {
    return signedIn ? NextResponse.redirect(new URL('/jobs', request.nextUrl)) : NextResponse.next();
  }
  if (signedIn) return NextResponse.next();
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
