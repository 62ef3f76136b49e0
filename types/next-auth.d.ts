import 'next-auth';
import '@auth/core/jwt';

declare module 'next-auth' {
  interface Session {
    /** Identifies this sign-in, so that signing out can revoke it (see revoked_sessions). */
    sessionId?: string;
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    sid?: string;
  }
}
