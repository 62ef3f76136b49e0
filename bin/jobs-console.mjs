#!/usr/bin/env node
// The `jobs-console` command (also `npm run jobs -- …`): runs the TypeScript CLI from the project
// folder, so it finds the project's .data/ (the embedded database) wherever it is called from.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync(
  process.execPath,
  ['--conditions=react-server', '--import', import.meta.resolve('tsx'), path.join(root, 'jobs', 'cli.ts'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.json') } },
);
process.exit(result.status ?? 1);
