import type { NextAuthConfig } from 'next-auth';

/**
 * How long a sign-in lasts, counted from the sign-in itself: next-auth renews the cookie on use, but
 * the session ends this long after the person signed in, however active.
 */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

/**
 * The part of the next-auth configuration the proxy needs too: sessions are JWTs (web processes stay
 * stateless) carrying the account id and a session id; the role is read from the database on every
 * request, and a session id that was signed out is refused there.
 */
export const authConfig = {
  pages: { signIn: '/login' },
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  trustHost: true,
  providers: [],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) {
        token.sub = user.id;
        token.sid = crypto.randomUUID();
        token.signedInAt = Date.now();
      }
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      session.sessionId = token.sid;
      session.signedInAt = token.signedInAt;
      return session;
    },
  },
} satisfies NextAuthConfig;
