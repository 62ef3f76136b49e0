import { z } from 'zod';
import { defineTask } from '../task';

/**
 * Does no work: a job that only goes through the pipeline (launch, queue, a worker taking it, the
 * status changes and their events). It checks that workers are taking jobs, and it is what the
 * throughput and scale-out measurements run, so that they time the console rather than a task.
 */
export const pingTask = defineTask({
  name: 'ping',
  title: 'Ping',
  description: 'Does nothing but go through the queue: a worker takes it and it completes at once. Use it to check that workers are taking jobs. With a message, it writes that message to its log.',
  category: 'Demonstration',
  launchableBy: 'user',
  defaultPriority: 'normal',
  queue: 'default',
  maxAttempts: 1,
  schema: z.object({
    message: z
      .string({ error: 'Enter a message, or leave it empty' })
      .trim()
      .max(200, 'At most 200 characters')
      .optional()
      .meta({ title: 'Message', description: 'Written to the job’s log when it runs.' }),
  }),
  async run({ payload, log }) {
    if (payload.message) await log('info', payload.message);
    return { pong: true };
  },
});
