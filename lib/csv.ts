import { CsvError, parse } from "csv-parse/sync";

/** The largest CSV file accepted: about 35,000 rows of the import template. */
export const MAX_CSV_BYTES = 5 * 1024 * 1024;
export const MAX_CSV_ROWS = 20_000;
/** One cell longer than this is not data this portal keeps. */
const MAX_CELL_CHARS = 10_000;

export type CsvRecord = { line: number; cells: string[] };
export type CsvTable = { header: string[]; records: CsvRecord[] };
export type CsvProblem = { line: number; message: string };

/**
 * Parses a CSV file (comma-separated, RFC 4180 quoting, optional UTF-8 BOM, LF or CRLF line ends). Each record
 * carries the line it starts on, counting the header as line 1, so errors can be shown where a spreadsheet shows
 * them. A file that is not CSV, too large or too long is one problem with the line where it went wrong.
 */
export function parseCsv(text: string): { table: CsvTable } | { problem: CsvProblem } {
  if (Buffer.byteLength(text, "utf8") > MAX_CSV_BYTES) {
    return { problem: { line: 0, message: `The file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB.` } };
  }
  // One line-end convention, so line numbers count like an editor does (csv-parse counts a quoted CRLF as two).
  const normalised = text.replace(/\r\n?/g, "\n");
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(normalised, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      max_record_size: MAX_CELL_CHARS,
      to: MAX_CSV_ROWS + 2,
    }) as unknown as typeof parsed;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines ?? 0;
    return { problem: { line, message: `This is not a valid CSV file: ${csvErrorMessage(error)}` } };
  }
  const [header, ...rows] = parsed;
  if (!header) return { problem: { line: 1, message: "The file is empty: start with the template's header line." } };
  if (rows.length > MAX_CSV_ROWS) {
    return { problem: { line: 0, message: `The file has more than ${MAX_CSV_ROWS.toLocaleString("en")} rows.` } };
  }
  const records = rows.map(({ record, info }) => ({
    // info.lines is where the record ends; line breaks inside quoted cells move its start up.
    line: info.lines - record.reduce((breaks, cell) => breaks + (cell.match(/\n/g)?.length ?? 0), 0),
    cells: record.map(restoreNeutralisedCell),
  }));
  return { table: { header: header.record.map((name) => name.trim().toLowerCase()), records } };
}

function csvErrorMessage(error: CsvError): string {
  if (error.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH") return "this line has a different number of columns.";
  if (error.code === "CSV_MAX_RECORD_SIZE") return `a cell is longer than ${MAX_CELL_CHARS} characters.`;
  if (error.code === "CSV_QUOTE_NOT_CLOSED") return "a quoted cell is never closed.";
  if (error.code === "CSV_INVALID_CLOSING_QUOTE" || error.code === "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE") {
    return 'a quote (") appears inside a cell that is not quoted, or after a closing quote.';
  }
  return "the quoting or the columns are broken.";
}

/** Cells a spreadsheet would run as a formula; `csvCell` prefixes them with an apostrophe. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** An exported cell read back (the apostrophe `csvCell` added): its value as the portal stored it. */
function restoreNeutralisedCell(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * One CSV cell. Text a spreadsheet would take for a formula (starting with = + - @, a tab or a carriage return) gets
 * a leading apostrophe, so opening an export can never run a formula a customer typed into their company name
 * (OWASP "CSV injection"). Phone numbers start with + and are shown as text that way too.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line (CRLF, as RFC 4180 and spreadsheets expect). */
export const csvLine = (cells: readonly (string | number | boolean | null | undefined)[]) =>
  `${cells.map(csvCell).join(",")}\r\n`;

/** Headers for a CSV download; the filename is the caller's own ASCII text. */
export function csvHeaders(filename: string): HeadersInit {
  return {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${filename}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  };
}
