'use server';

import { isForm, UNREADABLE_FORM } from '@/lib/action-form';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { findTask } from '@/jobs/catalogue';
import { ForbiddenError, ValidationError } from '@/jobs/errors';
import { launchJob } from '@/jobs/launch';
import { clearInactiveJobs, jobTabs } from '@/jobs/queries';
import { argumentsFromForm, submittedValues } from '@/jobs/task-form';
import { requireViewer, webSource } from '@/lib/session';

export interface LaunchState {
  formError?: string;
  fieldErrors?: Record<string, string[]>;
  values?: Record<string, string>;
}

/** Launches `taskName` with the submitted form; field errors come back to be shown beside the fields. */
export async function launchJobAction(taskName: string, _previous: LaunchState, form: FormData): Promise<LaunchState> {
  if (!isForm(form)) return { formError: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const task = typeof taskName === 'string' ? findTask(taskName) : undefined;
  if (!task || task.hidden) return { formError: 'There is no such task.' };
  let jobId: number;
  try {
    const priority = form.get('priority');
    jobId = await launchJob(viewer, task.name, argumentsFromForm(task, form), await webSource(), { priority: priority === null || priority === '' ? undefined : priority });
  } catch (error) {
    if (error instanceof ValidationError) {
      return { formError: 'Please correct the fields marked below.', fieldErrors: error.fieldErrors, values: submittedValues(form, task) };
    }
    if (error instanceof ForbiddenError) return { formError: error.message };
    throw error;
  }
  revalidatePath('/jobs');
  redirect(`/jobs/${jobId}`);
}

/** "Clear inactive jobs": hides the viewer's finished jobs from the jobs page, then shows how many went. */
export async function clearInactiveJobsAction(form: FormData): Promise<void> {
  if (!isForm(form)) redirect('/jobs');
  const viewer = await requireViewer();
  const tabValue = form.get('tab');
  const tab = jobTabs.find((candidate) => candidate === tabValue) ?? 'all';
  let cleared: number;
  try {
    cleared = await clearInactiveJobs(viewer, await webSource());
  } catch (error) {
    if (error instanceof ForbiddenError) redirect(`/jobs?tab=${tab}&notice=cannot-clear`);
    throw error;
  }
  revalidatePath('/jobs');
  redirect(`/jobs?tab=${tab}&cleared=${cleared}`);
}
