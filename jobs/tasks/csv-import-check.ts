import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { defineTask } from '../task';

const MAX_CSV_BYTES = 1_000_000;
/** Skipped rows logged one by one; beyond this, the summary line counts them. */
const MAX_LOGGED_ROWS = 100;
const READING = 'Reading the CSV text';
const CHECKING = 'Checking the rows';

/** Checks CSV text before an import: every row must have the header's columns and the required fields filled. */
export const csvImportCheckTask = defineTask({
  name: 'csv-import-check',
  title: 'CSV import check',
  description: 'Validates CSV text row by row before an import: column count, required columns present and filled. Rows that fail are skipped and logged as warnings; the result counts them.',
  category: 'Import and export',
  launchableBy: 'user',
  defaultPriority: 'normal',
  queue: 'imports',
  maxAttempts: 1,
  schema: z.object({
    csv: z
      .string({ error: 'Paste the CSV text' })
      .min(1, 'Paste the CSV text')
      .refine((text) => Buffer.byteLength(text) <= MAX_CSV_BYTES, 'At most 1 MB of CSV text')
      .meta({ title: 'CSV text', description: 'The first line is the header.', widget: 'textarea' }),
    requiredColumns: z
      .string()
      .trim()
      .max(500, 'At most 500 characters')
      .default('identifier,title')
      .meta({ title: 'Required columns', description: 'Comma-separated column names that must be present and filled.' }),
    delimiter: z
      .enum([',', ';', 'tab'], { error: 'Choose a delimiter' })
      .default(',')
      .meta({ title: 'Delimiter' }),
    source: z
      .url({ protocol: /^https?$/, error: 'Enter an http(s) URL' })
      .max(2000, 'At most 2000 characters')
      .optional()
      .meta({ title: 'Source record URL', description: 'Optional link to the record this import is for.' }),
  }),
  describe: ({ csv }) => `CSV import check (${Math.max(csv.split(/\r?\n/).filter((line) => line.trim() !== '').length - 1, 0)} rows)`,
  relatedUrl: ({ source }) => source,
  // Fixed names: the row count is only known once the text is parsed, and the job's page lists the
  // steps without parsing it. The progress fraction tells how far the check is.
  steps: () => [READING, CHECKING],
  async run({ payload, signal, log, progress }) {
    await progress(0, READING);
    const delimiter = payload.delimiter === 'tab' ? '\t' : payload.delimiter;
    let records: string[][];
    try {
      records = parse(payload.csv, { delimiter, relax_column_count: true, skip_empty_lines: true, bom: true });
    } catch (error) {
      throw new Error(`The CSV text cannot be read: ${(error as Error).message}`);
    }
    const [header, ...rows] = records;
    if (!header) throw new Error('The CSV text has no header line.');
    const columns = header.map((name) => name.trim());
    const required = payload.requiredColumns
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const missing = required.filter((name) => !columns.includes(name));
    if (missing.length > 0) {
      throw new Error(`Required column${missing.length > 1 ? 's' : ''} missing from the header: ${missing.join(', ')}.`);
    }
    await log('info', `Header has ${columns.length} columns; checking ${rows.length} rows.`);
    let valid = 0;
    let skipped = 0;
    for (const [index, row] of rows.entries()) {
      signal.throwIfAborted();
      const line = index + 2; // 1-based, after the header
      const problem =
        row.length !== columns.length
          ? `has ${row.length} columns, the header has ${columns.length}`
          : required
              .filter((name) => (row[columns.indexOf(name)] ?? '').trim() === '')
              .map((name) => `"${name}" is empty`)
              .join(', ');
      if (problem) {
        skipped++;
        if (skipped <= MAX_LOGGED_ROWS) await log('warning', `Row ${line} skipped: ${problem}.`);
        if (skipped === MAX_LOGGED_ROWS + 1) await log('warning', `More rows skipped; only the first ${MAX_LOGGED_ROWS} are listed.`);
      } else {
        valid++;
      }
      if ((index + 1) % 100 === 0 || index === rows.length - 1) {
        await progress((index + 1) / rows.length, CHECKING);
      }
    }
    await log(skipped > 0 ? 'warning' : 'info', `${valid} valid rows, ${skipped} skipped.`);
    return { rows: rows.length, valid, skipped, columns };
  },
});
