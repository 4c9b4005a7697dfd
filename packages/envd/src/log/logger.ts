/** Structured fields of a log line. Errors are flattened to their message and code. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * envd's logger: one JSON object per line on stdout, which the server captures as the
 * sandbox log. `event` is a stable dotted name (`process.start`, `envd.listening`, …).
 */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

type Level = 'info' | 'warn' | 'error';

function flatten(value: unknown): unknown {
  if (value instanceof Error) {
    const code = 'code' in value ? value.code : undefined;
    return code === undefined ? { message: value.message } : { message: value.message, code };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * Creates a logger writing JSON lines through `write`.
 * @param write sink for one complete line including the trailing newline
 * @default write process.stdout.write
 */
export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const emit = (level: Level, event: string, fields?: LogFields): void => {
    const record: Record<string, unknown> = { ts: new Date().toISOString(), level, event };
    if (fields) for (const [key, value] of Object.entries(fields)) record[key] = flatten(value);
    try {
      write(`${JSON.stringify(record)}\n`);
    } catch {
      // Logging must never take envd down (e.g. stdout closed by the host).
    }
  };
  return {
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
