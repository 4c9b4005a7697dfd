import { createLogRing, type LogEntry, type LogLevel, type LogRing } from './log-ring.js';

/** A new entry before the store numbers it. */
export interface NewLogEntry {
  level?: LogLevel;
  message: string;
  fields: Record<string, string>;
  /** @default Date.now() */
  timestampMs?: number;
}

/** Called for each new entry; `end` once when the sandbox's log is closed (killed). */
export interface LogListener {
  entry(e: LogEntry): void;
  end(): void;
}

/** Options for {@link createSandboxLogs}. */
export interface SandboxLogsOptions {
  /** Budget of one sandbox's ring. @default 1 MiB */
  maxBytesPerSandbox?: number;
  /** How long the log of a killed sandbox stays readable. @default 600000 (10 min) */
  retainAfterEndMs?: number;
  /** Most ended logs kept at once (oldest go first). @default 256 */
  maxEnded?: number;
}

/** Per-sandbox log rings with live subscribers. */
export interface SandboxLogs {
  /** Starts a sandbox's log (no-op when it exists). */
  open(sandboxId: string, tenantId: string): void;
  append(sandboxId: string, e: NewLogEntry): void;
  /** Marks the log ended: subscribers get `end`; the ring stays readable for a while. */
  end(sandboxId: string): void;
  /** The owner of a log, or undefined when there is none (never opened, or expired). */
  tenantOf(sandboxId: string): string | undefined;
  entries(sandboxId: string): readonly LogEntry[];
  /**
   * Replays entries after `afterSeq`, then follows live. Returns an unsubscribe function.
   * When the log has ended, replays and calls `end` at once.
   */
  subscribe(sandboxId: string, afterSeq: number, listener: LogListener): () => void;
  close(): void;
}

interface SandboxLog {
  tenantId: string;
  ring: LogRing;
  listeners: Set<LogListener>;
  endedAt: number | undefined;
}

/** Creates the in-memory log store. Everything here is bounded: ring size, retention, count. */
export function createSandboxLogs(o: SandboxLogsOptions = {}): SandboxLogs {
  const maxBytes = o.maxBytesPerSandbox ?? 1024 * 1024;
  const retainMs = o.retainAfterEndMs ?? 600_000;
  const maxEnded = o.maxEnded ?? 256;
  const logs = new Map<string, SandboxLog>();
  const ended: string[] = [];

  const prune = () => {
    const now = Date.now();
    while (ended.length > 0) {
      const id = ended[0]!;
      const log = logs.get(id);
      if (log?.endedAt === undefined) {
        ended.shift();
        continue;
      }
      if (ended.length <= maxEnded && now - log.endedAt < retainMs) break;
      ended.shift();
      logs.delete(id);
    }
  };
  const timer = setInterval(prune, 30_000);
  timer.unref();

  return {
    open(sandboxId, tenantId) {
      const cur = logs.get(sandboxId);
      if (cur && cur.endedAt === undefined) return;
      logs.set(sandboxId, {
        tenantId,
        ring: createLogRing(maxBytes),
        listeners: new Set(),
        endedAt: undefined,
      });
    },
    append(sandboxId, e) {
      const log = logs.get(sandboxId);
      if (!log || log.endedAt !== undefined) return;
      const entry = log.ring.push({
        timestampMs: e.timestampMs ?? Date.now(),
        level: e.level ?? 'info',
        message: e.message,
        fields: e.fields,
      });
      for (const l of log.listeners) l.entry(entry);
    },
    end(sandboxId) {
      const log = logs.get(sandboxId);
      if (!log || log.endedAt !== undefined) return;
      log.endedAt = Date.now();
      for (const l of log.listeners) l.end();
      log.listeners.clear();
      ended.push(sandboxId);
      prune();
    },
    tenantOf: (id) => logs.get(id)?.tenantId,
    entries: (id) => logs.get(id)?.ring.all() ?? [],
    subscribe(sandboxId, afterSeq, listener) {
      const log = logs.get(sandboxId);
      if (!log) {
        listener.end();
        return () => {};
      }
      for (const e of log.ring.since(afterSeq)) listener.entry(e);
      if (log.endedAt !== undefined) {
        listener.end();
        return () => {};
      }
      log.listeners.add(listener);
      return () => log.listeners.delete(listener);
    },
    close() {
      clearInterval(timer);
      for (const log of logs.values()) {
        for (const l of log.listeners) l.end();
        log.listeners.clear();
      }
    },
  };
}
