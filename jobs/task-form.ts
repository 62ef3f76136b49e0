import { z } from 'zod';
import { secretFieldsOf } from './secrets';
import type { TaskDefinition } from './task';

/** One field of a task's launch form, derived from its schema; plain data, so a client component can render it. */
export interface TaskFormField {
  name: string;
  label: string;
  description?: string;
  kind: 'text' | 'textarea' | 'integer' | 'number' | 'checkbox' | 'select' | 'date' | 'url' | 'secret';
  required: boolean;
  defaultValue?: string | number | boolean;
  options?: string[];
  min?: number;
  max?: number;
  maxLength?: number;
}

interface JsonSchemaProperty {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  widget?: string;
  /** A secret argument (jobs/secrets.ts): a password field, never shown again. */
  secret?: boolean;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  maxLength?: number;
  items?: JsonSchemaProperty;
  minItems?: number;
  maxItems?: number;
}

/** A task's arguments as JSON Schema, the one source of the launch form and of the catalogue's description. */
function argumentsSchema(task: TaskDefinition): { properties?: Record<string, JsonSchemaProperty>; required?: string[] } {
  return z.toJSONSchema(task.schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
}

/** "requiredColumns" reads "Required columns". */
function labelFromName(name: string): string {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The launch form of a task, field by field, in the order its schema declares them. */
export function taskFormFields(task: TaskDefinition): TaskFormField[] {
  const jsonSchema = argumentsSchema(task);
  const required = new Set(jsonSchema.required ?? []);
  return Object.entries(jsonSchema.properties ?? {}).map(([name, property]) => {
    const field: TaskFormField = {
      name,
      label: property.title ?? labelFromName(name),
      description: property.description,
      kind: fieldKind(property),
      required: required.has(name) && property.default === undefined,
      min: property.minimum,
      max: property.maximum,
      maxLength: property.maxLength,
    };
    if (property.enum) field.options = property.enum.map(String);
    const fallback = property.default;
    if (typeof fallback === 'string' || typeof fallback === 'number' || typeof fallback === 'boolean') {
      field.defaultValue = fallback;
    }
    return field;
  });
}

/** One argument of a task in words, for the admins' task catalogue. */
export interface TaskArgumentSummary {
  name: string;
  label: string;
  description?: string;
  /** Its type and limits, e.g. `integer, 1–3600`, `one of "cancel", "stop"`, `list of integer, 1–1000 items`. */
  type: string;
  required: boolean;
  /** The default, as JSON; absent when there is none. */
  defaultValue?: string;
}

/**
 * A task's arguments, described from the same schema as its launch form, including those the form
 * cannot show (lists, objects) of tasks the console launches itself.
 */
export function taskArgumentSummaries(task: TaskDefinition): TaskArgumentSummary[] {
  const jsonSchema = argumentsSchema(task);
  const required = new Set(jsonSchema.required ?? []);
  return Object.entries(jsonSchema.properties ?? {}).map(([name, property]) => ({
    name,
    label: property.title ?? labelFromName(name),
    description: property.description,
    type: typeInWords(property),
    required: required.has(name) && property.default === undefined,
    ...(property.default === undefined ? {} : { defaultValue: JSON.stringify(property.default) }),
  }));
}

function typeInWords(property: JsonSchemaProperty): string {
  if (property.enum) return `one of ${property.enum.map((value) => JSON.stringify(value)).join(', ')}`;
  if (property.type === 'array') {
    const items = property.items?.type ? `list of ${property.items.type}` : 'list';
    return property.minItems !== undefined && property.maxItems !== undefined ? `${items}, ${property.minItems}–${property.maxItems} items` : items;
  }
  if (property.secret === true) return 'secret text, shown as ••••';
  const base = property.format === 'date' ? 'date' : property.format === 'uri' ? 'URL' : property.type === 'string' ? 'text' : (property.type ?? 'any value');
  const { minimum, exclusiveMinimum, maximum, maxLength } = property;
  const limits: string[] = [];
  if (minimum !== undefined && maximum !== undefined) limits.push(`${minimum}–${maximum}`);
  else if (minimum !== undefined) limits.push(`at least ${minimum}`);
  else if (exclusiveMinimum !== undefined) limits.push(`above ${exclusiveMinimum}`);
  else if (maximum !== undefined) limits.push(`at most ${maximum}`);
  if (maxLength !== undefined) limits.push(`at most ${maxLength} characters`);
  return [base, ...limits].join(', ');
}

function fieldKind(property: JsonSchemaProperty): TaskFormField['kind'] {
  if (property.secret === true) return 'secret';
  if (property.enum) return 'select';
  if (property.type === 'boolean') return 'checkbox';
  if (property.type === 'integer') return 'integer';
  if (property.type === 'number') return 'number';
  if (property.format === 'date') return 'date';
  if (property.format === 'uri') return 'url';
  if (property.widget === 'textarea') return 'textarea';
  return 'text';
}

/**
 * Turns a submitted launch form into the arguments object the task's schema parses. Empty fields are
 * left out (so defaults apply, or the schema says the field is required); numbers are converted
 * only when they look like numbers, so anything else gets the schema's own message.
 */
export function argumentsFromForm(task: TaskDefinition, form: FormData): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const field of taskFormFields(task)) {
    if (field.kind === 'checkbox') {
      args[field.name] = form.get(field.name) === 'on' || form.get(field.name) === 'true';
      continue;
    }
    const raw = form.get(field.name);
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    if (field.kind === 'integer' || field.kind === 'number') {
      const text = raw.trim();
      args[field.name] = /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    } else {
      args[field.name] = raw;
    }
  }
  return args;
}

/**
 * What the person typed, to put back in the form after a failed submission: files and the task's
 * secret fields aside (a secret is never sent back to the browser).
 */
export function submittedValues(form: FormData, task?: TaskDefinition): Record<string, string> {
  const secret = new Set(task ? secretFieldsOf(task) : []);
  const values: Record<string, string> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string' && !name.startsWith('$ACTION') && !secret.has(name)) values[name] = value;
  }
  return values;
}
