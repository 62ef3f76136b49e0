import type { NextAuthConfig } from 'next-auth';

/**
 * The part of the next-auth configuration the proxy needs too: sessions are JWTs (web processes stay
 * stateless) carrying only the account id; the role is read from the database on every request.
 */
export const authConfig = {
  pages: { signIn: '/login' },
  session: { strategy: 'jwt', maxAge: 8 * 60 * 60 },
  trustHost: true,
  providers: [],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
} satisfies NextAuthConfig;
