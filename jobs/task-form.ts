import { z } from 'zod';
import type { TaskDefinition } from './task';

/** One field of a task's launch form, derived from its schema; plain data, so a client component can render it. */
export interface TaskFormField {
  name: string;
  label: string;
  description?: string;
  kind: 'text' | 'textarea' | 'integer' | 'number' | 'checkbox' | 'select' | 'date' | 'url';
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
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

/** "requiredColumns" reads "Required columns". */
function labelFromName(name: string): string {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The launch form of a task, field by field, in the order its schema declares them. */
export function taskFormFields(task: TaskDefinition): TaskFormField[] {
  const jsonSchema = z.toJSONSchema(task.schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
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

function fieldKind(property: JsonSchemaProperty): TaskFormField['kind'] {
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

/** What the person typed, to put back in the form after a failed submission (files and secrets aside). */
export function submittedValues(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string' && !name.startsWith('$ACTION')) values[name] = value;
  }
  return values;
}
