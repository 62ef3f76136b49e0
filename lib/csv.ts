/**
 * The characters that make a spreadsheet read a cell as a formula (OWASP CSV injection): `=`, `+`,
 * `-`, `@`, a tab and a carriage return.
 */
export const csvFormulaLeads = '=+-@\t\r';

/**
 * A CSV cell that a spreadsheet will show as text rather than run as a formula (CSV injection):
 * a cell starting with one of `csvFormulaLeads` gets a leading `'`. For text cells only: numbers
 * are written as they are.
 */
export function neutraliseCsvCell(value: string): string {
  return value !== '' && csvFormulaLeads.includes(value[0]!) ? `'${value}` : value;
}

const QUOTE = 0x22;
const LINE_FEED = 0x0a;

/**
 * Counts the records of a CSV byte stream as it passes: a line feed ends a record unless it is
 * inside a quoted field (RFC 4180 doubles a quote inside one, which toggles twice and so changes
 * nothing). Jumps with `indexOf`, so it costs little next to writing the bytes.
 */
export class CsvRecordCounter {
  records = 0;
  bytes = 0;
  private quoted = false;

  add(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      const quote = chunk.indexOf(QUOTE, at);
      if (this.quoted) {
        if (quote === -1) return;
        this.quoted = false;
        at = quote + 1;
        continue;
      }
      const end = quote === -1 ? chunk.length : quote;
      for (let feed = chunk.indexOf(LINE_FEED, at); feed !== -1 && feed < end; feed = chunk.indexOf(LINE_FEED, feed + 1)) this.records++;
      if (quote === -1) return;
      this.quoted = true;
      at = quote + 1;
    }
  }
}
