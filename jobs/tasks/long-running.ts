import { z } from 'zod';
import { defineTask, sleep } from '../task';

/** A long job that works through its steps, reporting progress, and stops at the next step when told to. */
export const longRunningTask = defineTask({
  name: 'long-running',
  title: 'Long-running task',
  description: 'Works through a number of steps over the given time, reporting progress after each one. Stops at the next step when asked to.',
  category: 'Demonstration',
  launchableBy: 'user',
  defaultPriority: 'normal',
  queue: 'default',
  // A worker that dies mid-run costs an attempt; the job gets others.
  maxAttempts: 3,
  schema: z.object({
    durationSeconds: z
      .int({ error: 'Enter a whole number of seconds' })
      .min(1, 'At least 1 second')
      .max(3600, 'At most 3600 seconds (one hour)')
      .default(30)
      .meta({ title: 'Duration (seconds)', description: 'How long the whole job takes.' }),
    steps: z
      .int({ error: 'Enter a whole number of steps' })
      .min(1, 'At least 1 step')
      .max(100, 'At most 100 steps')
      .default(10)
      .meta({ title: 'Steps', description: 'How many steps the work is split into.' }),
    ignoreStopRequests: z
      .boolean()
      .default(false)
      .meta({ title: 'Ignore stop requests', description: 'Keep working when asked to stop, as a badly behaved task would: only a force stop ends it.' }),
  }),
  describe: ({ durationSeconds, steps }) => `Long-running task (${durationSeconds} s, ${steps} steps)`,
  steps: ({ steps }) => Array.from({ length: steps }, (_, index) => stepName(index + 1, steps)),
  async run({ payload, signal, log, progress }) {
    const stepMs = (payload.durationSeconds * 1000) / payload.steps;
    await log('info', `Starting ${payload.steps} steps over ${payload.durationSeconds} s.`);
    for (let step = 1; step <= payload.steps; step++) {
      // The step being worked on is the current one; the wrapper sets progress to 1 at the end.
      await progress((step - 1) / payload.steps, stepName(step, payload.steps));
      await sleep(stepMs, payload.ignoreStopRequests ? new AbortController().signal : signal);
      await log('info', `Step ${step} of ${payload.steps} done.`);
    }
    return { steps: payload.steps, durationSeconds: payload.durationSeconds };
  },
});

function stepName(step: number, steps: number): string {
  return `Step ${step} of ${steps}`;
}
