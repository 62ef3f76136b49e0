import { env, requireDatabaseUrl } from '@/lib/env';
import { closeDb } from '@/db/client';
import { startWorker } from './start-worker';

/**
 * `npm run worker`: a standalone worker against DATABASE_URL, so workers can run on other machines.
 * `npm start` runs one of these as a child process. SIGINT/SIGTERM stop it cleanly; so does the
 * parent going away (the IPC channel closing), so a killed launcher leaves no orphan behind.
 */
async function main() {
  const worker = await startWorker({
    databaseUrl: requireDatabaseUrl(),
    concurrency: env().WORKER_CONCURRENCY,
    heartbeatSeconds: env().WORKER_HEARTBEAT_SECONDS,
    deadAfterSeconds: env().WORKER_DEAD_AFTER_SECONDS,
  });
  console.log(`Worker ${worker.id} started (concurrency ${env().WORKER_CONCURRENCY}).`);
  let stopped = false;
  const shutdown = async (reason: string) => {
    if (stopped) return;
    stopped = true;
    console.log(`Worker ${worker.id} stopping (${reason})…`);
    try {
      await worker.stop();
      await closeDb();
      console.log(`Worker ${worker.id} stopped.`);
      process.exit(0);
    } catch (error) {
      console.error(`Worker ${worker.id} did not stop cleanly:`, error);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('disconnect', () => void shutdown('parent process gone'));
}

main().catch((error: unknown) => {
  console.error('The worker could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
