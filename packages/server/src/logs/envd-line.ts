import type { LogLevel } from './log-ring.js';
import type { NewLogEntry } from './sandbox-logs.js';

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Quotes an argument when a shell would need it, so a logged command reads as typed. */
function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * Turns one line of envd's stdout into a log entry. envd writes JSON objects
 * `{ts, level, event, ...fields}`; anything else (runc's own messages) is kept as text.
 */
export function parseEnvdLine(line: string): NewLogEntry | undefined {
  const text = line.trim();
  if (text === '') return undefined;
  let rec: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    rec = parsed as Record<string, unknown>;
  } catch {
    return { level: 'info', message: text, fields: { source: 'envd' } };
  }
  const { ts, level, event, ...rest } = rec;
  const fields: Record<string, string> = { source: 'envd', event: str(event) };
  for (const [k, v] of Object.entries(rest)) fields[k] = str(v);
  const lvl = (LEVELS.includes(str(level)) ? str(level) : 'info') as LogLevel;
  const parsedTs = Date.parse(str(ts));
  return {
    level: lvl,
    message: describe(str(event), rest),
    fields,
    ...(Number.isFinite(parsedTs) ? { timestampMs: parsedTs } : {}),
  };
}

function describe(event: string, f: Record<string, unknown>): string {
  if (event === 'process.start') {
    const args = Array.isArray(f.args) ? f.args.map((a) => quoteArg(str(a))) : [];
    const who = f.user ? ` as ${str(f.user)}` : '';
    return `process ${str(f.pid)} started${who}: ${[quoteArg(str(f.cmd)), ...args].join(' ')}`;
  }
  if (event === 'process.end') return `process ${str(f.pid)} ended: ${str(f.status)}`;
  if (event === 'process.timeout')
    return `process ${str(f.pid)} killed after its ${str(f.timeoutMs)} ms timeout`;
  const detail = Object.entries(f)
    .filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}=${str(v)}`)
    .join(' ');
  return detail ? `${event} ${detail}` : event;
}
