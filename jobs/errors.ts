import type { ZodError } from 'zod';

/** The job does not exist or the viewer may not see it: both answer the same, so nothing leaks. */
export class NotFoundError extends Error {
  constructor(message = 'Job not found') {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The viewer may see the thing but not do this to it (an auditor clearing, a user launching an admin task). */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** The request is valid but clashes with what exists (an idempotency key reused for another launch). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Input that failed validation; field errors are keyed by field name, ready to show next to the fields. */
export class ValidationError extends Error {
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/**
 * Field errors from a failed parse: keyed by the top-level field ('' for errors about the whole
 * input), or with `keys: 'path'` by the dotted path of the field (`thresholds.queueLength.warning`).
 */
export function fieldErrorsOf(error: ZodError, keys: 'field' | 'path' = 'field'): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = keys === 'path' ? issue.path.join('.') : issue.path.length > 0 ? String(issue.path[0]) : '';
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}
