'use server';

import { isForm, UNREADABLE_FORM } from '@/lib/action-form';
import { AuthError, CredentialsSignin } from 'next-auth';
import { signIn } from '@/auth';

export interface SignInState {
  error?: string;
  email?: string;
}

/** Only a path on this site may follow sign-in; anything else (another host, `//evil`) goes to /jobs. */
function safeCallback(value: FormDataEntryValue | null): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/jobs';
  }
  return value;
}

/** Signs in with email and password; a wrong password and an unknown account get the same message. */
export async function signInAction(_previous: SignInState, form: FormData): Promise<SignInState> {
  if (!isForm(form)) return { error: UNREADABLE_FORM };
  const email = typeof form.get('email') === 'string' ? String(form.get('email')).slice(0, 254) : '';
  const password = typeof form.get('password') === 'string' ? String(form.get('password')) : '';
  if (!email.trim() || !password) return { error: 'Enter your email and password.', email };
  try {
    await signIn('credentials', { email, password, redirectTo: safeCallback(form.get('callbackUrl')) });
  } catch (error) {
    if (error instanceof CredentialsSignin && error.code === 'too_many_attempts') {
      return { error: 'Too many failed sign-ins for this account or from this address. Wait 15 minutes, then try again.', email };
    }
    if (error instanceof AuthError) return { error: 'Incorrect email or password.', email };
    throw error; // the redirect after a successful sign-in
  }
  return {};
}
