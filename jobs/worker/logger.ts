import { Logger, type LogLevel } from 'graphile-worker';

/** graphile-worker's logger, keeping only warnings and errors: its per-job info lines would drown ours. */
export const quietLogger = new Logger(() => (level: LogLevel, message: string) => {
  if (level === 'error') console.error(`[worker] ${message}`);
  else if (level === 'warning') console.warn(`[worker] ${message}`);
});
