import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { openApiDocument } from '@/lib/api/openapi';
import { requireViewer } from '@/lib/session';

export const metadata: Metadata = { title: 'API' };

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
  description?: string;
  pattern?: string;
}
interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string }>;
}

/** A schema in a few words: its type, its choices, its default. */
function schemaWords(schema: Schema | undefined): string {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').at(-1)!;
  const choices = (schema.anyOf ?? schema.oneOf)?.map(schemaWords).filter((words) => words !== '""');
  if (choices) return choices.join(' or ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const base = schema.enum ? schema.enum.map(String).join(' | ') : [schema.type].flat().join(' | ');
  return schema.default !== undefined ? `${base} (default ${JSON.stringify(schema.default)})` : base;
}

/** A schema with its `$ref`s replaced by the components they name (each component once per path, so cycles end). */
function resolved(schema: unknown, components: Record<string, unknown>, seen: ReadonlySet<string> = new Set()): unknown {
  if (Array.isArray(schema)) return schema.map((item) => resolved(item, components, seen));
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as Schema).$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').at(-1)!;
    return seen.has(name) || !(name in components) ? schema : resolved(components[name], components, new Set([...seen, name]));
  }
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, resolved(value, components, seen)]));
}

/** The document's prose, with its `code` spans (Markdown, as OpenAPI descriptions are) set as code. */
function Prose({ text }: { text: string }) {
  return text.split(/`([^`]+)`/).map((part, index) => (index % 2 === 1 ? <code key={index} className="font-mono text-[0.95em]">{part}</code> : part));
}

const methodStyles: Record<string, string> = {
  get: 'bg-blue-100 text-blue-900 dark:bg-blue-950 dark:text-blue-200',
  post: 'bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-200',
};

/**
 * The API's reference, rendered on the server from the same OpenAPI document /api/v1/openapi.json
 * serves to this viewer (so the launch request lists the tasks they may launch).
 */
export default async function ApiDocsPage() {
  const viewer = await requireViewer();
  const requestHeaders = await headers();
  const host = requestHeaders.get('x-forwarded-host') ?? requestHeaders.get('host') ?? 'localhost';
  const protocol = requestHeaders.get('x-forwarded-proto')?.split(',')[0] ?? 'http';
  const document = openApiDocument(viewer, `${protocol}://${host}`);
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    (['get', 'post'] as const).flatMap((method) => {
      const operation = (item as Record<string, Operation | undefined>)[method];
      return operation ? [{ path, method, operation }] : [];
    }),
  );
  const schemas = document.components?.schemas ?? {};
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">{document.info.title}</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600 dark:text-slate-300">{document.info.description ? <Prose text={document.info.description} /> : null}</p>
        <p className="mt-2 text-sm">
          <a href="/api/v1/openapi.json" className="text-blue-700 underline dark:text-blue-300">
            The OpenAPI document (JSON)
          </a>{' '}
          ·{' '}
          <Link href="/settings/tokens" className="text-blue-700 underline dark:text-blue-300">
            Make a token
          </Link>
        </p>
      </div>
      <nav aria-label="Operations" className="text-sm">
        <ul className="flex flex-wrap gap-x-4 gap-y-1">
          {operations.map(({ operation }) => (
            <li key={operation.operationId}>
              <a href={`#${operation.operationId}`} className="text-blue-700 underline dark:text-blue-300">
                {operation.summary}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {operations.map(({ path, method, operation }) => (
        <section
          key={operation.operationId}
          id={operation.operationId}
          aria-labelledby={`${operation.operationId}-heading`}
          className="rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-700 dark:bg-slate-900"
        >
          <h2 id={`${operation.operationId}-heading`} className="flex flex-wrap items-center gap-2 font-semibold">
            <span className={`rounded px-2 py-0.5 font-mono text-xs uppercase ${methodStyles[method]}`}>{method}</span>
            <code className="font-mono break-all">{path}</code>
            <span className="font-normal text-slate-600 dark:text-slate-300">— {operation.summary}</span>
          </h2>
          {operation.description ? (
            <p className="mt-2 max-w-4xl">
              <Prose text={operation.description} />
            </p>
          ) : null}
          {operation.parameters?.length ? (
            <div className="mt-3 overflow-x-auto">
              <table className="min-w-full text-left">
                <caption className="mb-1 text-left font-medium">Parameters</caption>
                <thead className="text-xs uppercase tracking-wide text-slate-600 dark:text-slate-300">
                  <tr>
                    <th scope="col" className="py-1 pr-3">Name</th>
                    <th scope="col" className="py-1 pr-3">In</th>
                    <th scope="col" className="py-1 pr-3">Value</th>
                    <th scope="col" className="py-1 pr-3">Meaning</th>
                  </tr>
                </thead>
                <tbody>
                  {operation.parameters.map((parameter) => (
                    <tr key={`${parameter.in}-${parameter.name}`} className="border-t border-slate-100 dark:border-slate-800">
                      <th scope="row" className="py-1 pr-3 font-mono font-normal">
                        {parameter.name}
                        {parameter.required ? <span className="text-red-700 dark:text-red-300"> (required)</span> : null}
                      </th>
                      <td className="py-1 pr-3">{parameter.in}</td>
                      <td className="py-1 pr-3 font-mono">{schemaWords(parameter.schema)}</td>
                      <td className="py-1 pr-3">
                        <Prose text={parameter.description ?? parameter.schema?.description ?? ''} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {operation.requestBody ? (
            <details className="mt-3">
              <summary className="cursor-pointer font-medium">Request body ({Object.keys(operation.requestBody.content).join(', ')})</summary>
              <pre className="mt-2 max-h-96 overflow-auto rounded bg-slate-50 p-2 text-xs dark:bg-slate-950">
                {JSON.stringify(resolved(Object.values(operation.requestBody.content)[0]?.schema, schemas), null, 2)}
              </pre>
            </details>
          ) : null}
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
            {Object.entries(operation.responses).map(([status, response]) => (
              <div key={status} className="contents">
                <dt className="font-mono">{status}</dt>
                <dd>
                  <Prose text={response.description} />
                </dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
      <section aria-labelledby="schemas-heading" className="space-y-2 text-sm">
        <h2 id="schemas-heading" className="font-semibold">
          Schemas
        </h2>
        {Object.entries(schemas).map(([name, schema]) => (
          <details key={name} id={`schema-${name}`} className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-700 dark:bg-slate-900">
            <summary className="cursor-pointer font-mono">{name}</summary>
            <pre className="mt-2 max-h-96 overflow-auto rounded bg-slate-50 p-2 text-xs dark:bg-slate-950">{JSON.stringify(schema, null, 2)}</pre>
          </details>
        ))}
      </section>
    </div>
  );
}
