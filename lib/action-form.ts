/**
 * What a server action answers when its form is not a form: a browser always posts one, but a
 * crafted request can make Next.js hand an action any JSON value instead, which would otherwise end
 * in a 500. The action answers this message and changes nothing.
 */
export const UNREADABLE_FORM = 'The form could not be read. Reload the page and try again.';

/** Whether a server action's argument is the form a browser posts. */
export function isForm(value: unknown): value is FormData {
  return value instanceof FormData;
}
