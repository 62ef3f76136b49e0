'use server';

import { isForm, UNREADABLE_FORM } from '@/lib/action-form';
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { ForbiddenError, ValidationError } from '@/jobs/errors';
import { setTaskActive, setTaskNote } from '@/jobs/task-settings';
import { requireViewer, webSource } from '@/lib/session';

export interface TaskActionState {
  notice?: string;
  error?: string;
}

const activeForm = z.object({ task: z.string(), action: z.enum(['activate', 'deactivate']) });

/** Turns a task on or off (admins); the launch pages follow at once. */
export async function taskActiveAction(_previous: TaskActionState, form: FormData): Promise<TaskActionState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const parsed = activeForm.safeParse({ task: form.get('task'), action: form.get('action') });
  if (!parsed.success) return { error: 'That is not an action on a task.' };
  const { task, action } = parsed.data;
  const active = action === 'activate';
  let changed: boolean;
  try {
    changed = await setTaskActive(getDb(), viewer, task, active, await webSource());
  } catch (error) {
    if (error instanceof ValidationError || error instanceof ForbiddenError) return { error: error.message };
    throw error;
  }
  revalidatePath('/tasks');
  revalidatePath('/jobs/new', 'layout');
  if (!changed) return { notice: active ? 'Already active.' : 'Already inactive.' };
  return { notice: active ? 'Activated.' : 'Deactivated: nobody can launch it.' };
}

const noteForm = z.object({ task: z.string(), note: z.string() });

/** Saves a task's note (admins); an empty note clears it. */
export async function taskNoteAction(_previous: TaskActionState, form: FormData): Promise<TaskActionState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const parsed = noteForm.safeParse({ task: form.get('task'), note: form.get('note') });
  if (!parsed.success) return { error: 'That is not a note on a task.' };
  const { task, note } = parsed.data;
  let changed: boolean;
  try {
    changed = await setTaskNote(getDb(), viewer, task, note, await webSource());
  } catch (error) {
    if (error instanceof ValidationError) return { error: error.fieldErrors.note?.join(' ') ?? error.message };
    if (error instanceof ForbiddenError) return { error: error.message };
    throw error;
  }
  revalidatePath('/tasks');
  if (!changed) return { notice: 'No change.' };
  return { notice: note.trim() === '' ? 'Note cleared.' : 'Note saved.' };
}
