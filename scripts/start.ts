import { env } from '@/lib/env';
import { startConsole, type RunningConsole } from './launcher';

/** `npm start` (and `npm run dev` with --dev): the whole console from one command; Ctrl-C stops it in order. */
async function main() {
  const dev = process.argv.includes('--dev');
  let running: RunningConsole | undefined;
  let stopRequested = false;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping || !running) return;
    stopping = true;
    console.log('[console] Stopping…');
    await running.stop();
    console.log('[console] Stopped.');
    process.exit(code);
  };
  // Installed before anything starts: a signal during start-up (the first build takes a while) is
  // acted on once start-up is over, or ends it if the build itself was interrupted.
  const onSignal = () => {
    if (running) void stop(0);
    else if (!stopRequested) {
      stopRequested = true;
      console.log('[console] Stopping once start-up has finished…');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    running = await startConsole({ port: env().PORT, dev });
  } catch (error) {
    if (stopRequested) {
      console.log('[console] Stopped during start-up.');
      process.exit(0);
    }
    throw error;
  }
  if (stopRequested) return stop(0);
  console.log(`[console] Ready at ${running.url} (database: ${running.databaseUrl.replace(/:[^:@/]*@/, ':***@')})`);
  void running.crashed.then((name) => {
    console.error(`[console] The ${name} process exited unexpectedly; stopping.`);
    void stop(1);
  });
}

main().catch((error: unknown) => {
  console.error(`[console] Could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
