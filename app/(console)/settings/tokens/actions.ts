'use server';

import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { NotFoundError, ValidationError } from '@/jobs/errors';
import { createApiToken, revokeApiToken } from '@/jobs/tokens';
import { isForm, UNREADABLE_FORM } from '@/lib/action-form';
import { requireViewer, webSource } from '@/lib/session';

export interface NewTokenState {
  /** The token just made: shown this once, never again. */
  token?: string;
  name?: string;
  formError?: string;
  fieldErrors?: Record<string, string[]>;
  /** The name typed, put back after a failed submission. */
  value?: string;
}

/** Creates a personal API token named as the form says; the answer carries the token, once. */
export async function createTokenAction(_previous: NewTokenState, form: FormData): Promise<NewTokenState> {
  if (!isForm(form)) return { formError: UNREADABLE_FORM };
  const viewer = await requireViewer();
  const name = form.get('name');
  try {
    const created = await createApiToken(getDb(), viewer, { name }, await webSource());
    revalidatePath('/settings/tokens');
    return { token: created.token, name: created.summary.name };
  } catch (error) {
    if (error instanceof ValidationError) {
      return { formError: error.message, fieldErrors: error.fieldErrors, value: typeof name === 'string' ? name.slice(0, 200) : '' };
    }
    throw error;
  }
}

export interface RevokeTokenState {
  notice?: string;
  error?: string;
}

/** Revokes one of the viewer's own tokens; someone else's, or a made-up id, is not found. */
export async function revokeTokenAction(_previous: RevokeTokenState, form: FormData): Promise<RevokeTokenState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const viewer = await requireViewer();
  try {
    const revoked = await revokeApiToken(getDb(), viewer, form.get('id'), await webSource());
    revalidatePath('/settings/tokens');
    return { notice: `Revoked "${revoked.name}": it is refused from now on.` };
  } catch (error) {
    if (error instanceof NotFoundError) return { error: 'That token does not exist, or is not yours.' };
    throw error;
  }
}
