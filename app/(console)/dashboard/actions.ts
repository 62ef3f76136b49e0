'use server';

import { isForm, UNREADABLE_FORM } from '@/lib/action-form';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { ForbiddenError, ValidationError } from '@/jobs/errors';
import { updateDashboardSettings } from '@/jobs/settings';
import { requireViewer, webSource } from '@/lib/session';

export interface SettingsFormState {
  notice?: string;
  error?: string;
  fieldErrors?: Record<string, string[]>;
}

const number = (form: FormData, name: string) => form.get(name);

/** Saves the thresholds and alert rules (admins); each field is named by its path, e.g. `thresholds.queueLength.warning`. */
export async function saveDashboardSettings(_previous: SettingsFormState, form: FormData): Promise<SettingsFormState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const pair = (name: string) => ({ warning: number(form, `thresholds.${name}.warning`), critical: number(form, `thresholds.${name}.critical`) });
  const input = {
    thresholds: { queueLength: pair('queueLength'), waitMinutes: pair('waitMinutes'), ratePerMinute: pair('ratePerMinute'), failurePercent: pair('failurePercent') },
    alerts: {
      queueLength: number(form, 'alerts.queueLength'),
      failurePercent: number(form, 'alerts.failurePercent'),
      stuckJobs: number(form, 'alerts.stuckJobs'),
      waitMinutes: number(form, 'alerts.waitMinutes'),
      webhookUrl: form.get('alerts.webhookUrl') ?? '',
    },
  };
  try {
    await updateDashboardSettings(getDb(), viewer, input, await webSource());
  } catch (error) {
    if (error instanceof ValidationError) return { error: error.message, fieldErrors: error.fieldErrors };
    if (error instanceof ForbiddenError) return { error: error.message };
    throw error;
  }
  revalidatePath('/dashboard');
  return { notice: 'Settings saved.' };
}
