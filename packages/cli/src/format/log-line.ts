import type { BuildLogEntry, LogEntry } from '@soulbox/sdk';

/**
 * One sandbox log entry as a line: time, level, source, message. Process output shows its
 * pid and stream so that interleaved commands stay readable.
 */
export function formatLogEntry(e: LogEntry): string {
  const src = e.fields.source ?? 'log';
  const where =
    src === 'process' && e.fields.pid
      ? `[pid ${e.fields.pid}${e.fields.stream ? ` ${e.fields.stream}` : ''}]`
      : `[${src}]`;
  return `${e.timestamp} ${e.level.toUpperCase().padEnd(5)} ${where} ${e.message}`;
}

/** One build log line: step headers stand out, tool output is indented under them. */
export function formatBuildLog(e: BuildLogEntry): string {
  if (e.message.startsWith('step ')) return `==> ${e.message.slice(5)}`;
  if (e.step === undefined || e.level === 'error') return `--> ${e.message}`;
  return `    ${e.message}`;
}
