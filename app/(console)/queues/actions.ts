'use server';

import { isForm, UNREADABLE_FORM } from '@/lib/action-form';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { jobPriorities } from '@/db/schema';
import { ForbiddenError, NotFoundError, ValidationError } from '@/jobs/errors';
import { changePriority, pauseQueue, purgeQueue, resumeQueue } from '@/jobs/queues';
import { requireViewer, webSource } from '@/lib/session';

export interface QueueActionState {
  notice?: string;
  error?: string;
}

const queueForm = z.object({ queue: z.string(), action: z.enum(['pause', 'resume', 'purge']) });

/** Pause, resume or purge a queue (admins). */
export async function queueAction(_previous: QueueActionState, form: FormData): Promise<QueueActionState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const parsed = queueForm.safeParse({ queue: form.get('queue'), action: form.get('action') });
  if (!parsed.success) return { error: 'That is not an action on a queue.' };
  const { queue, action } = parsed.data;
  const source = await webSource();
  let notice: string;
  try {
    if (action === 'pause') {
      await pauseQueue(getDb(), viewer, queue, source);
      notice = `Queue ${queue} paused: its waiting jobs will not start until it is resumed.`;
    } else if (action === 'resume') {
      await resumeQueue(getDb(), viewer, queue, source);
      notice = `Queue ${queue} resumed.`;
    } else {
      const count = await purgeQueue(getDb(), viewer, queue, source);
      notice = `Queue ${queue} purged: ${count} waiting ${count === 1 ? 'job' : 'jobs'} cancelled.`;
    }
  } catch (error) {
    if (error instanceof ValidationError || error instanceof ForbiddenError) return { error: error.message };
    throw error;
  }
  revalidatePath('/queues');
  return { notice };
}

const priorityForm = z.object({
  jobId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  priority: z.enum(jobPriorities),
});

/** Changes a waiting job's priority (admins). */
export async function priorityAction(_previous: QueueActionState, form: FormData): Promise<QueueActionState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const parsed = priorityForm.safeParse({ jobId: form.get('jobId'), priority: form.get('priority') });
  if (!parsed.success) {
    // A malformed id is answered as a missing job is (someone else's job is answered the same way).
    const badId = parsed.error.issues.some((issue) => issue.path[0] === 'jobId');
    return { error: badId ? 'Job not found.' : `Choose a priority: ${jobPriorities.join(', ')}.` };
  }
  try {
    await changePriority(getDb(), viewer, parsed.data.jobId, parsed.data.priority, await webSource());
  } catch (error) {
    if (error instanceof NotFoundError) return { error: 'Job not found.' };
    if (error instanceof ValidationError || error instanceof ForbiddenError) return { error: error.message };
    throw error;
  }
  revalidatePath('/queues');
  revalidatePath(`/jobs/${parsed.data.jobId}`);
  return { notice: `Priority set to ${parsed.data.priority}.` };
}
