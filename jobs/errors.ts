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
