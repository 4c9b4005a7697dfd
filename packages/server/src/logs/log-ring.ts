/** Severity of a sandbox log entry (E2B's `LogLevel`). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line of a sandbox's log. */
export interface LogEntry {
  /** Position in this sandbox's log, from 1, never reused: clients resume after it. */
  seq: number;
  timestampMs: number;
  level: LogLevel;
  message: string;
  /** Structured detail: always `source` (`lifecycle`, `envd`, `process`), often `event`, `pid`. */
  fields: Record<string, string>;
}

/** Longest message kept; longer ones are cut (a single huge line must not evict the whole log). */
export const MAX_MESSAGE_CHARS = 4096;

/** Rough heap cost of an entry, for the byte bound. */
function costOf(e: LogEntry): number {
  let n = 64 + e.message.length * 2;
  for (const [k, v] of Object.entries(e.fields)) n += (k.length + v.length) * 2 + 16;
  return n;
}

/**
 * A ring of log entries bounded by an approximate byte budget: appending past the budget
 * drops the oldest entries. Memory per sandbox is therefore fixed, however chatty it is.
 */
export interface LogRing {
  /** Appends (seq is assigned here) and returns the stored entry. */
  push(e: Omit<LogEntry, 'seq'>): LogEntry;
  /** Entries with seq > afterSeq, oldest first. */
  since(afterSeq: number): LogEntry[];
  all(): readonly LogEntry[];
  /** The seq the next entry will get minus one. */
  readonly lastSeq: number;
  /** Entries dropped to stay within budget. */
  readonly dropped: number;
}

/** Creates a ring that keeps at most about `maxBytes` of entries. */
export function createLogRing(maxBytes: number): LogRing {
  const entries: LogEntry[] = [];
  const costs: number[] = [];
  let head = 0;
  let bytes = 0;
  let seq = 0;
  let dropped = 0;
  return {
    push(e) {
      const message =
        e.message.length > MAX_MESSAGE_CHARS ? `${e.message.slice(0, MAX_MESSAGE_CHARS)}…` : e.message;
      const entry: LogEntry = { ...e, message, seq: ++seq };
      const cost = costOf(entry);
      entries.push(entry);
      costs.push(cost);
      bytes += cost;
      while (bytes > maxBytes && entries.length - head > 1) {
        bytes -= costs[head]!;
        head++;
        dropped++;
      }
      // Compact now and then so that the arrays do not grow with every entry ever seen.
      if (head > 1024 && head * 2 > entries.length) {
        entries.splice(0, head);
        costs.splice(0, head);
        head = 0;
      }
      return entry;
    },
    since(afterSeq) {
      const live = entries.length - head;
      if (live === 0) return [];
      const first = entries[head]!.seq;
      const start = Math.max(head, head + (afterSeq + 1 - first));
      return entries.slice(start);
    },
    all() {
      return entries.slice(head);
    },
    get lastSeq() {
      return seq;
    },
    get dropped() {
      return dropped;
    },
  };
}
