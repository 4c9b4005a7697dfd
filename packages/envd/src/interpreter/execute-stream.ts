import type { ServerResponse } from 'node:http';
import type { KernelOutput } from './kernel.js';
import { resultLine } from './result-fields.js';

/** Upstream's keepalive period: a write every 5 s also reveals a client that went away. */
export const KEEPALIVE_INTERVAL_MS = 5000;

/**
 * Output waiting for a slow client beyond this is dropped (errors and counts still go out):
 * envd is PID 1 with a small heap and cannot hold a cell's unbounded output.
 */
export const MAX_PENDING_BYTES = 32 * 1024 * 1024;

/** The NDJSON line for one kernel output (spec §4.3). */
export function outputLine(
  output: KernelOutput,
  now: () => Date = () => new Date(),
): Record<string, unknown> {
  switch (output.type) {
    case 'stdout':
    case 'stderr':
      return { type: output.type, text: output.text, timestamp: now().toISOString() };
    case 'result':
      return resultLine(output.bundle, output.isMain);
    case 'error':
      return { type: 'error', name: output.name, value: output.value, traceback: output.traceback };
    case 'execution_count':
      return { type: 'number_of_executions', execution_count: output.count };
  }
}

export interface ExecuteStream {
  write(output: KernelOutput): void;
  /** Writes end_of_execution and closes the response (the SDK reads to EOF). */
  end(): void;
}

/**
 * Streams an execution as NDJSON: one object per `\n`-terminated line, never a blank line
 * (the SDK JSON-parses every piece), flushed as it comes, keepalives while the cell is quiet.
 */
export function openExecuteStream(
  res: ServerResponse,
  keepaliveMs: number = KEEPALIVE_INTERVAL_MS,
  maxPendingBytes: number = MAX_PENDING_BYTES,
): ExecuteStream {
  res.writeHead(200, {
    'Content-Type': 'application/x-ndjson',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const send = (line: Record<string, unknown>) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(line)}\n`);
  };
  const timer = setInterval(() => send({ type: 'keepalive' }), keepaliveMs);
  timer.unref();
  res.once('close', () => clearInterval(timer));
  let dropping = false;
  return {
    write(output) {
      const bulky = output.type === 'stdout' || output.type === 'stderr' || output.type === 'result';
      if (bulky && res.writableLength > maxPendingBytes) {
        if (!dropping) {
          dropping = true;
          send(outputLine({ type: 'stderr', text: '[output dropped: the client is reading too slowly]\n' }));
        }
        return;
      }
      dropping = false;
      send(outputLine(output));
    },
    end() {
      clearInterval(timer);
      send({ type: 'end_of_execution' });
      if (!res.writableEnded) res.end();
    },
  };
}
