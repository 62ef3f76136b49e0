import os from 'node:os';
import path from 'node:path';

/** Where the e2e web server tells the tests which database it runs on. */
export function e2eStateFile(port: number): string {
  return path.join(os.tmpdir(), `jobs-console-e2e-${port}.json`);
}
