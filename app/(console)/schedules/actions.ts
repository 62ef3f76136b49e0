'use server';

import { isForm, UNREADABLE_FORM } from '@/lib/action-form';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { ForbiddenError, NotFoundError, ValidationError } from '@/jobs/errors';
import { createSchedule, deleteSchedule, startSchedule, stopSchedule } from '@/jobs/schedules';
import { submittedValues } from '@/jobs/task-form';
import { requireViewer, webSource } from '@/lib/session';

export interface NewScheduleState {
  notice?: string;
  formError?: string;
  fieldErrors?: Record<string, string[]>;
  /** What was typed, to put back in the form after a failed submission. */
  values?: Record<string, string>;
}

function text(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** Creates a schedule from the form (admins); the task's own schema checks the arguments, field errors come back. */
export async function createScheduleAction(_previous: NewScheduleState, form: FormData): Promise<NewScheduleState> {
  if (!isForm(form)) return { formError: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const start = form.get('start') === 'on';
  let id: number;
  try {
    id = await createSchedule(
      getDb(),
      viewer,
      {
        task: text(form, 'task'),
        arguments: text(form, 'arguments'),
        firstRunAt: text(form, 'firstRunAt'),
        repeatUnit: text(form, 'repeatUnit'),
        repeatEvery: text(form, 'repeatEvery'),
        priority: text(form, 'priority'),
        start,
      },
      await webSource(),
    );
  } catch (error) {
    if (error instanceof ValidationError) {
      return { formError: 'Please correct the fields marked below.', fieldErrors: error.fieldErrors, values: submittedValues(form) };
    }
    if (error instanceof ForbiddenError) return { formError: error.message, values: submittedValues(form) };
    throw error;
  }
  revalidatePath('/schedules');
  return { notice: start ? `Schedule ${id} created and started.` : `Schedule ${id} created, stopped: start it when you are ready.` };
}

export interface ScheduleActionState {
  notice?: string;
  error?: string;
}

const scheduleForm = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  action: z.enum(['start', 'stop', 'delete']),
});

/** Starts, stops or deletes a schedule (admins). */
export async function scheduleAction(_previous: ScheduleActionState, form: FormData): Promise<ScheduleActionState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const parsed = scheduleForm.safeParse({ id: form.get('id'), action: form.get('action') });
  if (!parsed.success) return { error: 'That is not an action on a schedule.' };
  const { id, action } = parsed.data;
  const source = await webSource();
  let notice: string;
  try {
    if (action === 'start') {
      notice = (await startSchedule(getDb(), viewer, id, source)) ? `Schedule ${id} started.` : `Schedule ${id} was already started.`;
    } else if (action === 'stop') {
      notice = (await stopSchedule(getDb(), viewer, id, source)) ? `Schedule ${id} stopped.` : `Schedule ${id} was already stopped.`;
    } else {
      await deleteSchedule(getDb(), viewer, id, source);
      notice = `Schedule ${id} deleted.`;
    }
  } catch (error) {
    if (error instanceof NotFoundError) return { error: 'Schedule not found.' };
    if (error instanceof ForbiddenError) return { error: error.message };
    throw error;
  }
  revalidatePath('/schedules');
  return { notice };
}
