'use server';

import { isForm, UNREADABLE_FORM } from '@/lib/action-form';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { cancelJob, controlOutcomeMessages, retryJob, stopJob, type ControlOutcome } from '@/jobs/control';
import { ForbiddenError, NotFoundError, ValidationError } from '@/jobs/errors';
import { requireViewer, webSource } from '@/lib/session';

export interface ControlState {
  notice?: string;
  error?: string;
}

const controlForm = z.object({
  jobId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  action: z.enum(['cancel', 'stop', 'force-stop', 'retry']),
});

/** Cancel, stop (graceful or force) or retry one job from its page. Retry opens the new job. */
export async function controlJobAction(_previous: ControlState, form: FormData): Promise<ControlState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const parsed = controlForm.safeParse({ jobId: form.get('jobId'), action: form.get('action') });
  if (!parsed.success) return { error: 'That is not an action on a job.' };
  const { jobId, action } = parsed.data;
  const source = await webSource();
  let retryId: number | undefined;
  let outcome: ControlOutcome | undefined;
  try {
    if (action === 'retry') retryId = await retryJob(getDb(), viewer, jobId, source);
    else if (action === 'cancel') outcome = await cancelJob(getDb(), viewer, jobId, source);
    else outcome = await stopJob(getDb(), viewer, jobId, action === 'stop' ? 'graceful' : 'force', source);
  } catch (error) {
    if (error instanceof NotFoundError) return { error: 'Job not found.' };
    if (error instanceof ValidationError || error instanceof ForbiddenError) return { error: error.message };
    throw error;
  }
  revalidatePath(`/jobs/${jobId}`);
  if (retryId !== undefined) redirect(`/jobs/${retryId}`);
  return { notice: controlOutcomeMessages[outcome!] };
}
