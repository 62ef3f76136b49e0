import 'next-auth';
import '@auth/core/jwt';

declare module 'next-auth' {
  interface Session {
    /** Identifies this sign-in, so that signing out can revoke it (see revoked_sessions). */
    sessionId?: string;
    /** When the person signed in (ms since the epoch); the session's lifetime counts from here. */
    signedInAt?: number;
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    sid?: string;
    signedInAt?: number;
  }
}
