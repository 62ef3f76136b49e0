import { z } from 'zod';
import type { TaskDefinition } from './task';

/**
 * Secret arguments. A task marks a field of its schema secret with `.meta({ secret: true })`. The
 * value is kept apart from the job's arguments (`job_secrets`, `schedules.secret_payload`), and the
 * arguments keep this mask in its place, so every page, export, search, event and CLI listing that
 * shows arguments shows the mask. Only the worker joins the two, to run the task; whatever the task
 * then writes (log lines, step names, its error, its result) has the values masked again.
 */
export const SECRET_MASK = '••••';

const secretFieldCache = new WeakMap<TaskDefinition, readonly string[]>();

/** The names of a task's secret fields, from its schema's metadata. */
export function secretFieldsOf(task: TaskDefinition): readonly string[] {
  let fields = secretFieldCache.get(task);
  if (!fields) {
    const jsonSchema = z.toJSONSchema(task.schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { secret?: unknown }> };
    fields = Object.entries(jsonSchema.properties ?? {})
      .filter(([, property]) => property.secret === true)
      .map(([name]) => name);
    secretFieldCache.set(task, fields);
  }
  return fields;
}

/**
 * Parsed arguments split in two: what may be shown (each secret given replaced by the mask) and the
 * secret values themselves (null when none was given).
 */
export function splitSecrets(task: TaskDefinition, payload: Record<string, unknown>): { shown: Record<string, unknown>; secrets: Record<string, unknown> | null } {
  const present = secretFieldsOf(task).filter((name) => payload[name] !== undefined && payload[name] !== null);
  if (present.length === 0) return { shown: payload, secrets: null };
  const shown = { ...payload };
  const secrets: Record<string, unknown> = {};
  for (const name of present) {
    secrets[name] = payload[name];
    shown[name] = SECRET_MASK;
  }
  return { shown, secrets };
}

/** The arguments again as the task gave them: the shown ones with the secret values put back. */
export function joinSecrets(shown: Record<string, unknown>, secrets: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return secrets ? { ...shown, ...secrets } : shown;
}

/**
 * A function that masks every occurrence of the secret values in a text (longest first, so a value
 * containing another is masked whole). Values that are not text are masked as their JSON text.
 */
export function redactorFor(secrets: Record<string, unknown> | null | undefined): (text: string) => string {
  const values = Object.values(secrets ?? {})
    .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .filter((value): value is string => typeof value === 'string' && value.length > 0)
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => values.reduce((masked, value) => masked.split(value).join(SECRET_MASK), text);
}

/** A JSON value with `redact` applied to every string in it, keys included. */
export function redactJson(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactJson(item, redact)]));
  }
  return value;
}
