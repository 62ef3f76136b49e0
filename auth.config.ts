import type { NextAuthConfig } from 'next-auth';

/**
 * The part of the next-auth configuration the proxy needs too: sessions are JWTs (web processes stay
 * stateless) carrying the account id and a session id; the role is read from the database on every
 * request, and a session id that was signed out is refused there.
 */
export const authConfig = {
  pages: { signIn: '/login' },
  session: { strategy: 'jwt', maxAge: 8 * 60 * 60 },
  trustHost: true,
  providers: [],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) {
        token.sub = user.id;
        token.sid = crypto.randomUUID();
      }
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      session.sessionId = token.sid;
      return session;
    },
  },
} satisfies NextAuthConfig;
