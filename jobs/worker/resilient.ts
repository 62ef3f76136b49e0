/**
 * Writes that must not be lost to a database restart. A worker's record of a job (it started, it
 * logged, it finished, it failed) is written again while the database is unreachable, instead of
 * failing the job or leaving it `running` for good: the worker lives on across the restart, so the
 * rescue of dead workers would never take such a job over.
 */

/** Node's socket errors, postgres.js's lost connection, and PostgreSQL's shutting down or starting up. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT']);
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']); // admin_shutdown, crash_shutdown, cannot_connect_now

/**
 * Whether `error` (or what caused it: drizzle wraps the driver's errors) says the connection to the
 * database was lost or could not be made, as opposed to the statement being wrong. A client closed
 * on purpose (`CONNECTION_ENDED`, `CONNECTION_DESTROYED`: the worker is stopping) is not.
 */
export function isConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')) return true;
  }
  return false;
}

export interface RetryOptions {
  /** Gives up (rethrows the last error) after this long; 5 minutes by default. */
  giveUpAfterMs?: number;
  /** Called before each new try, with the error that made it necessary. */
  onRetry?(error: unknown, attempt: number): void;
}

/**
 * Runs `write`, and runs it again while it fails for want of a connection (100 ms, doubling to 2 s
 * between tries), for at most `giveUpAfterMs`. Any other error is thrown at once. The write must be
 * safe to repeat: one whose commit went through just before the connection dropped runs again.
 */
export async function untilDatabaseAnswers<T>(write: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const giveUpAt = Date.now() + (options.giveUpAfterMs ?? 5 * 60_000);
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isConnectionError(error) || Date.now() + delay > giveUpAt) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}
