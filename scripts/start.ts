import { env } from '@/lib/env';
import { startConsole } from './launcher';

/** `npm start` (and `npm run dev` with --dev): the whole console from one command; Ctrl-C stops it in order. */
async function main() {
  const dev = process.argv.includes('--dev');
  const running = await startConsole({ port: env().PORT, dev });
  console.log(`[console] Ready at ${running.url} (database: ${running.databaseUrl.replace(/:[^:@/]*@/, ':***@')})`);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('[console] Stopping…');
    await running.stop();
    console.log('[console] Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  running.crashed.then((name) => {
    console.error(`[console] The ${name} process exited unexpectedly; stopping.`);
    void stop(1);
  });
}

main().catch((error: unknown) => {
  console.error(`[console] Could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
