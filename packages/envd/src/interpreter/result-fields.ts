import type { MimeBundle } from './kernel.js';

/** MIME type → field of a `result` line, as @e2b/code-interpreter reads them (spec §4.3). */
const FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['text/plain', 'text'],
  ['text/html', 'html'],
  ['text/markdown', 'markdown'],
  ['image/svg+xml', 'svg'],
  ['image/png', 'png'],
  ['image/jpeg', 'jpeg'],
  ['application/pdf', 'pdf'],
  ['text/latex', 'latex'],
  ['application/json', 'json'],
  ['application/javascript', 'javascript'],
  ['e2b/data', 'data'],
  ['e2b/chart', 'chart'],
];

/** Removes one pair of matching surrounding quotes: Python's repr of 'x' is shown as x. */
export function unquote(text: string): string {
  if (text.length >= 2) {
    const first = text[0];
    if ((first === "'" || first === '"') && text.endsWith(first)) return text.slice(1, -1);
  }
  return text;
}

/**
 * The `result` NDJSON line for a MIME bundle: known types become their fields, the rest go
 * to `extra` (which the JS SDK drops; the Python SDK keeps it). Absent fields are left out.
 */
export function resultLine(bundle: MimeBundle, isMainResult: boolean): Record<string, unknown> {
  const line: Record<string, unknown> = { type: 'result' };
  const extra: Record<string, unknown> = {};
  const known = new Map(FIELDS);
  for (const [mime, value] of Object.entries(bundle)) {
    const field = known.get(mime);
    if (field === undefined) extra[mime] = value;
    else line[field] = field === 'text' && typeof value === 'string' ? unquote(value) : value;
  }
  if (Object.keys(extra).length > 0) line.extra = extra;
  line.is_main_result = isMainResult;
  return line;
}
