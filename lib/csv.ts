/**
 * A CSV cell that a spreadsheet will show as text rather than run as a formula (CSV injection):
 * a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`. For
 * text cells only: numbers are written as they are.
 */
export function neutraliseCsvCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
