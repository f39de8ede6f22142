export type CsvCell = string | number | boolean | null | undefined;

/** Characters that make spreadsheet apps treat a text cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Plain numbers written as text (e.g. "-12.50") are data, not formulas. */
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;

/** Quotes one cell per RFC 4180; text that could be read as a formula is prefixed with '. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text) || text !== text.trim()) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

/** Builds CSV text (CRLF line endings) from rows of cells. */
export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
