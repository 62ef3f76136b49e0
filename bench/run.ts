import { z } from 'zod';

/**
 * `npm run bench -- <name>`: runs one benchmark from bench/, which prints a table and ends with one
 * line of JSON. Benchmarks are run on demand, never by `npm test`.
 */
const benchmarks = {
  enqueue: () => import('./enqueue'),
  export: () => import('./export'),
  latency: () => import('./latency'),
  pages: () => import('./pages'),
  sse: () => import('./sse'),
  throughput: () => import('./throughput'),
} as const;

const name = z.enum(Object.keys(benchmarks) as [keyof typeof benchmarks]).safeParse(process.argv[2]);
if (!name.success) {
  console.error(`Usage: npm run bench -- <${Object.keys(benchmarks).join('|')}>`);
  process.exit(2);
}
const { run } = await benchmarks[name.data]();
await run();
process.exit(0);
