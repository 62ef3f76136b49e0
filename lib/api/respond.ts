import 'server-only';
import type { z } from 'zod';
import { getDb } from '@/db/client';
import type { ActionSource } from '@/jobs/audit';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@/jobs/errors';
import { canControlJobs } from '@/jobs/permissions';
import { viewerForApiToken } from '@/jobs/tokens';
import type { PersonViewer } from '@/jobs/viewer';
import { addressOf } from '@/lib/request-address';

/**
 * The REST API's plumbing: token authentication, JSON errors of one shape
 * (`{ error: { code, message, details? } }`, the schema `apiErrorSchema` documents) and the mapping of
 * the data layer's errors to statuses. Every /api/v1 handler runs inside `apiHandler`.
 */

export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'internal';

export interface ApiErrorDetail {
  /** The field or parameter at fault, as a dotted path; empty for the whole input. */
  field: string;
  message: string;
}

export function apiError(status: number, code: ApiErrorCode, message: string, details?: ApiErrorDetail[], headers?: HeadersInit): Response {
  const body = { error: details && details.length > 0 ? { code, message, details } : { code, message } };
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

/** A 400 from a failed parse, one detail per issue. */
export function invalidInput(message: string, error: z.ZodError, prefix = ''): Response {
  return apiError(
    400,
    'bad_request',
    message,
    error.issues.map((issue) => ({ field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'), message: issue.message })),
  );
}

export function jsonResponse(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  return Response.json(body, { status: init.status ?? 200, headers: { 'Cache-Control': 'private, no-store', ...init.headers } });
}

/** A thrown response: handlers `throw respondWith(apiError(...))` from helpers to end the request. */
class ResponseThrown extends Error {
  constructor(readonly response: Response) {
    super('response');
  }
}

export function respondWith(response: Response): never {
  throw new ResponseThrown(response);
}

const unauthorized = (message: string) =>
  apiError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer realm="jobs-console", error="invalid_token"' });

/**
 * The person a request's `Authorization: Bearer <token>` acts for. Anything else answers 401: no
 * header, another scheme, a malformed, unknown or revoked token, a disabled account. The API does
 * not take the browser's session cookie: a token cannot be sent by another site's form, so the API
 * needs no CSRF defence.
 */
export async function requireTokenViewer(request: Request): Promise<PersonViewer> {
  const header = request.headers.get('authorization');
  if (header === null) return respondWith(unauthorized('Send a personal API token: Authorization: Bearer <token>. Create one on the API tokens page.'));
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) return respondWith(unauthorized('The Authorization header must be "Bearer <token>".'));
  const viewer = await viewerForApiToken(getDb(), match[1]!);
  if (!viewer) return respondWith(unauthorized('The token is not valid: it is malformed, unknown or revoked, or its account is disabled.'));
  return viewer;
}

/**
 * Handlers for the methods a route does not take, so that they answer 405 in the API's JSON (with
 * `Allow`) rather than Next.js's empty 405: `export const { PUT, PATCH, DELETE } = otherMethods('GET')`.
 */
export function otherMethods(...allowed: ('GET' | 'POST')[]) {
  const refuse = (request: Request) =>
    apiError(405, 'method_not_allowed', `${request.method} is not allowed here: use ${allowed.join(' or ')}.`, undefined, { Allow: allowed.join(', ') });
  const methods = { GET: refuse, POST: refuse, PUT: refuse, PATCH: refuse, DELETE: refuse };
  for (const method of allowed) delete (methods as Partial<typeof methods>)[method];
  return methods as Record<'PUT' | 'PATCH' | 'DELETE', typeof refuse> & Partial<Record<'GET' | 'POST', typeof refuse>>;
}

/** Where an API request came from, for the audit trail. */
export function apiSource(request: Request): ActionSource {
  return { origin: 'api', address: addressOf(request.headers) };
}

/**
 * A request's JSON body, as an object. An empty body is `{}` when `optional`; otherwise 400 when
 * it is not JSON or not an object, 415 when it is not sent as JSON.
 */
export async function readJsonBody(request: Request, options: { optional?: boolean } = {}): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === '' && options.optional) return {};
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return respondWith(apiError(415, 'unsupported_media_type', 'Send the body as JSON, with Content-Type: application/json.'));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return respondWith(apiError(400, 'bad_request', 'The body is not valid JSON.'));
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return respondWith(apiError(400, 'bad_request', 'The body must be a JSON object.'));
  return body as Record<string, unknown>;
}

/**
 * Who asks to change job `rawId`, and which job: the token's owner, refused with 403 when an auditor
 * (whatever the job, even one that does not exist), and the id (404 when malformed).
 */
export async function requireJobController(request: Request, rawId: string): Promise<{ viewer: PersonViewer; id: number }> {
  const viewer = await requireTokenViewer(request);
  if (!canControlJobs(viewer)) return respondWith(apiError(403, 'forbidden', 'Auditors cannot change jobs.'));
  return { viewer, id: jobIdFrom(rawId) };
}

/** A job id from the path: a positive whole number, or the job is not found (like someone else's). */
export function jobIdFrom(raw: string): number {
  if (!/^[1-9]\d{0,14}$/.test(raw)) return respondWith(apiError(404, 'not_found', 'Job not found.'));
  return Number(raw);
}

/**
 * Runs a handler, answering the data layer's errors as JSON: not found 404, forbidden 403, a
 * conflict 409, invalid input 400 with one detail per field; anything unexpected 500 without
 * details (it is logged).
 */
export async function apiHandler(run: () => Promise<Response>, invalidStatus: 400 | 409 = 400): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ResponseThrown) return error.response;
    if (error instanceof NotFoundError) return apiError(404, 'not_found', `${error.message.replace(/\.$/, '')}.`);
    if (error instanceof ForbiddenError) return apiError(403, 'forbidden', error.message);
    if (error instanceof ConflictError) return apiError(409, 'conflict', error.message);
    if (error instanceof ValidationError) {
      const details = Object.entries(error.fieldErrors).flatMap(([field, messages]) => messages.map((message) => ({ field, message })));
      return apiError(invalidStatus, invalidStatus === 400 ? 'bad_request' : 'conflict', error.message, details);
    }
    console.error('[api] unexpected error', error);
    return apiError(500, 'internal', 'Something went wrong on the server; nothing more is said here. Try again.');
  }
}
