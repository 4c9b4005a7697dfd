import type { ApiClient } from '../api-client.js';
import { SoulBoxClientError } from '../errors.js';
import type { LogEntry } from '../wire-types.js';
import { parseSse } from './sse.js';

/** Options of {@link SandboxLogsApi.follow}. */
export interface FollowLogsOptions {
  /** Resume after this entry (`seq`); 0 = from the oldest kept. @default 0 */
  afterSeq?: number;
  signal?: AbortSignal;
}

/** A sandbox's log: lifecycle events, envd's events and output of processes started through the API. */
export class SandboxLogsApi {
  constructor(private readonly api: ApiClient) {}

  /** The entries the server keeps (a bounded ring), oldest first. `GET /sandboxes/{id}/logs`. */
  async list(
    sandboxId: string,
    o: { startMs?: number; limit?: number; signal?: AbortSignal } = {},
  ): Promise<LogEntry[]> {
    const r = await this.api.json<{ logEntries: LogEntry[] }>(
      'GET',
      `/sandboxes/${encodeURIComponent(sandboxId)}/logs`,
      {
        query: { start: o.startMs, limit: o.limit ?? 10_000 },
        signal: o.signal,
      },
    );
    return r.logEntries;
  }

  /**
   * Yields the kept entries, then new ones as they happen, until the sandbox is killed or
   * `signal` aborts (Server-Sent Events).
   */
  async *follow(sandboxId: string, o: FollowLogsOptions = {}): AsyncGenerator<LogEntry> {
    const res = await this.api.raw('GET', `/sandboxes/${encodeURIComponent(sandboxId)}/logs/stream`, {
      query: { after: o.afterSeq ?? 0 },
      headers: { accept: 'text/event-stream' },
      signal: o.signal,
      timeoutMs: 0,
    });
    if (!res.body) return;
    try {
      for await (const ev of parseSse(res.body as unknown as AsyncIterable<Uint8Array>)) {
        if (ev.event === 'end') return;
        if (ev.event === 'log') yield JSON.parse(ev.data) as LogEntry;
      }
    } catch (err) {
      if (o.signal?.aborted) return;
      throw new SoulBoxClientError('connection', `the log stream broke: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}
