import { z } from 'zod';
import { defineTask, sleep } from '../task';

/** Fails on purpose with the given message, so that failure, retries and error display can be seen. */
export const failingTask = defineTask({
  name: 'failing',
  title: 'Failing task',
  description: 'Fails with the message you give it, after an optional delay, on every attempt. Use it to see how failures and retries look.',
  category: 'Demonstration',
  launchableBy: 'user',
  defaultPriority: 'normal',
  queue: 'default',
  maxAttempts: 1,
  maxAttemptsFor: (payload) => payload.attempts,
  schema: z.object({
    message: z
      .string({ error: 'Enter the error message' })
      .trim()
      .min(1, 'Enter the error message')
      .max(500, 'At most 500 characters')
      .default('Something went wrong on purpose.')
      .meta({ title: 'Error message', description: 'The job fails with exactly this message; {secret} in it stands for the secret below.' }),
    delaySeconds: z
      .int({ error: 'Enter a whole number of seconds' })
      .min(0, 'Cannot be negative')
      .max(60, 'At most 60 seconds')
      .default(1)
      .meta({ title: 'Delay (seconds)', description: 'How long each attempt runs before failing.' }),
    attempts: z
      .int({ error: 'Enter a whole number of attempts' })
      .min(1, 'At least 1 attempt')
      .max(5, 'At most 5 attempts')
      .default(1)
      .meta({ title: 'Attempts', description: 'How many times it is tried before it is marked failed.' }),
    secret: z
      .string()
      .max(200, 'At most 200 characters')
      .optional()
      .meta({
        title: 'Secret',
        description: 'A secret argument: stored with the job but shown as •••• everywhere, even where the task writes it (it is logged here, and in the error when the message says {secret}).',
        secret: true,
      }),
  }),
  async run({ payload, signal, log, progress, job }) {
    await log('info', `Attempt ${job.attempt} of ${job.maxAttempts}: failing in ${payload.delaySeconds} s.`);
    // A careless task writing its secret: the console masks it in the log, the step and the error.
    if (payload.secret) await log('info', `The secret given is ${payload.secret} (${payload.secret.length} characters).`);
    await progress(0.5, 'About to fail');
    await sleep(payload.delaySeconds * 1000, signal);
    throw new Error(payload.secret ? payload.message.replaceAll('{secret}', payload.secret) : payload.message);
  },
});
