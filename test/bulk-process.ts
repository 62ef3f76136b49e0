// A process that runs one bulk action as the web process's server action does (runBulk on the
// app's database), printing a line after each batch: bulk-faults.test.ts kills it part-way.
import { getDb } from '@/db/client';
import { runBulk, type BulkRequest } from '@/jobs/bulk';
import type { Viewer } from '@/jobs/viewer';

const viewer = JSON.parse(process.env.BULK_VIEWER!) as Viewer;
const request = JSON.parse(process.env.BULK_REQUEST!) as BulkRequest;
const result = await runBulk(getDb(), viewer, request, { origin: 'web' }, (done, total) => {
  console.log(`batch done: ${done} of ${total}`);
});
console.log(`finished: ${JSON.stringify(result)}`);
process.exit(0);
