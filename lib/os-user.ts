import os from 'node:os';

/** The operating-system user running this process, recorded on CLI jobs (a uid with no passwd entry still gets a name). */
export function osUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}
