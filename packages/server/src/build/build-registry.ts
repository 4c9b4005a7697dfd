import { randomUUID } from 'node:crypto';

/** E2B's build states (`TemplateBuildInfo.status`). */
export type BuildStatus = 'waiting' | 'building' | 'ready' | 'error';

/** One build log line, E2B's `logEntries` item. */
export interface BuildLogEntry {
  timestamp: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** e.g. `3/7 RUN apt-get install ...` */
  step?: string;
}

/** A build the server knows about (in memory: a server restart forgets running builds). */
export interface BuildRecord {
  /** The template's directory (see template-catalog.ts). */
  templateID: string;
  /** The name its tenant uses, which the API shows. */
  templateName: string;
  buildID: string;
  tenantId: string;
  status: BuildStatus;
  createdAt: string;
  finishedAt?: string;
  logs: BuildLogEntry[];
  /** Lines dropped after {@link MAX_LOG_ENTRIES} or {@link MAX_LOG_CHARS}. */
  droppedLogs: number;
  /** Characters of log kept so far. */
  logChars: number;
  reason?: { message: string; step?: string };
  /** Hash of the result (its directory name) once ready. */
  hash?: string;
  /** Set while running, to cancel the build. */
  abort?: AbortController;
}

/** Log lines kept per build; more are counted, not stored (a build log must not grow without end). */
export const MAX_LOG_ENTRIES = 20_000;
/** Characters kept of one log line; the rest is cut (a step may print megabytes on one line). */
export const MAX_LOG_LINE_CHARS = 4096;
/** Characters of log kept per build in all; later lines are counted as dropped. */
export const MAX_LOG_CHARS = 4 * 2 ** 20;

/** A line cut to {@link MAX_LOG_LINE_CHARS}, saying so. */
export function capLogLine(line: string): string {
  return line.length <= MAX_LOG_LINE_CHARS
    ? line
    : `${line.slice(0, MAX_LOG_LINE_CHARS)} … [${line.length - MAX_LOG_LINE_CHARS} characters cut]`;
}

/** In-memory registry of builds; finished ones are forgotten after an hour (at most 64 kept). */
export interface BuildRegistry {
  create(templateID: string, templateName: string, tenantId: string): BuildRecord;
  get(templateID: string, buildID: string): BuildRecord | undefined;
  /** Builds not finished yet. */
  active(): BuildRecord[];
  log(b: BuildRecord, level: BuildLogEntry['level'], message: string, step?: string): void;
  finish(b: BuildRecord, status: 'ready' | 'error', reason?: { message: string; step?: string }): void;
}

export function createBuildRegistry(): BuildRegistry {
  const builds = new Map<string, BuildRecord>();
  const prune = () => {
    const finished = [...builds.values()].filter((b) => b.finishedAt);
    const cutoff = Date.now() - 3_600_000;
    finished.forEach((b, i) => {
      if (Date.parse(b.finishedAt!) < cutoff || finished.length - i > 64) builds.delete(b.buildID);
    });
  };
  return {
    create(templateID, templateName, tenantId) {
      prune();
      const b: BuildRecord = {
        templateID,
        templateName,
        buildID: randomUUID(),
        tenantId,
        status: 'waiting',
        createdAt: new Date().toISOString(),
        logs: [],
        droppedLogs: 0,
        logChars: 0,
      };
      builds.set(b.buildID, b);
      return b;
    },
    get(templateID, buildID) {
      const b = builds.get(buildID);
      return b && b.templateID === templateID ? b : undefined;
    },
    active: () => [...builds.values()].filter((b) => !b.finishedAt),
    log(b, level, message, step) {
      const line = capLogLine(message);
      if (b.logs.length >= MAX_LOG_ENTRIES || b.logChars + line.length > MAX_LOG_CHARS) {
        b.droppedLogs++;
        return;
      }
      b.logChars += line.length;
      b.logs.push({ timestamp: new Date().toISOString(), level, message: line, ...(step ? { step } : {}) });
    },
    finish(b, status, reason) {
      b.status = status;
      b.finishedAt = new Date().toISOString();
      if (reason) b.reason = reason;
      b.abort = undefined;
    },
  };
}
