import { randomUUID } from 'node:crypto';
import { SoulBoxError } from '../errors/index.js';
import type { AuditStore } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import {
  type ChainVerification,
  canonicalJson,
  GENESIS_HASH,
  hashAuditRow,
  verifyChain,
} from './audit-chain.js';
import { AUDIT_CSV_COLUMNS, type AuditEvent, auditCsvLine, toAuditEvent } from './audit-format.js';

/** What a caller records; the log adds id, time, position and hashes. */
export interface AuditEventInput {
  /** `key:<id>`, `jwt:<issuer>#<sub>`, `cert:<subject>`, `system`, `anonymous`, ... */
  actor: string;
  tenantId: string;
  /** Dotted, e.g. `sandbox.create`, `auth.failure`. */
  action: string;
  /** What the action was on, e.g. `sandbox/<id>`, `tenant/<id>`. */
  resource: string;
  result: 'success' | 'failure' | 'denied' | 'not_found';
  sourceIp?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  metadata?: Record<string, unknown>;
}

/** Filters of {@link AuditLog.query} (all optional). */
export interface AuditFilters {
  tenantId?: string;
  actor?: string;
  /** Exact, or a prefix ending in `*`. */
  action?: string;
  resource?: string;
  result?: string;
  /** ISO 8601, inclusive. */
  since?: string;
  /** ISO 8601, exclusive. */
  until?: string;
}

/** One page of events, newest first. */
export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Export formats. */
export type AuditExportFormat = 'jsonl' | 'csv';

/** The audit log: append-only, hash-chained, queryable, verifiable, exportable. */
export interface AuditLog {
  /** Appends an event. Never throws: a failing write is logged as an error. */
  record(e: AuditEventInput): void;
  query(f: AuditFilters & { limit?: number; cursor?: string }): AuditPage;
  /** Recomputes the whole chain. */
  verify(): ChainVerification;
  /** The export, in chunks of at most `batch` events, oldest first. */
  export(f: AuditFilters, format: AuditExportFormat, batch?: number): Generator<string>;
}

/** Largest page {@link AuditLog.query} returns. */
export const MAX_AUDIT_PAGE = 1000;

function decodeCursor(cursor: string): number {
  const n = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 1) throw new SoulBoxError('INVALID_ARGUMENT', 'invalid cursor');
  return n;
}

/** Creates the audit log over its store. */
export function createAuditLog(o: { store: AuditStore; logger: Logger }): AuditLog {
  return {
    record(e) {
      try {
        const metadata = canonicalJson(e.metadata ?? {});
        o.store.append((last) => {
          const base = {
            seq: (last?.seq ?? 0) + 1,
            id: randomUUID(),
            at: new Date().toISOString(),
            actor: e.actor,
            tenantId: e.tenantId,
            action: e.action,
            resource: e.resource,
            result: e.result,
            sourceIp: e.sourceIp ?? null,
            userAgent: e.userAgent ?? null,
            requestId: e.requestId ?? null,
            metadata,
            prevHash: last?.hash ?? GENESIS_HASH,
          };
          return { ...base, hash: hashAuditRow(base) };
        });
      } catch (err) {
        o.logger.error('audit write failed', { action: e.action, resource: e.resource, err });
      }
    },
    query(f) {
      const limit = f.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE)
        throw new SoulBoxError('INVALID_ARGUMENT', `limit must be between 1 and ${MAX_AUDIT_PAGE}`);
      const rows = o.store.query({
        ...f,
        beforeSeq: f.cursor ? decodeCursor(f.cursor) : undefined,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        events: page.map(toAuditEvent),
        nextCursor: rows.length > limit && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
      };
    },
    verify() {
      return verifyChain(o.store.iterate());
    },
    *export(f, format, batch = 500) {
      if (format === 'csv') yield `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
      // Page by seq: each page is read whole, so no cursor stays open between chunks.
      let afterSeq = 0;
      for (;;) {
        const rows = o.store.queryAscending({ ...f, afterSeq, limit: batch });
        if (rows.length === 0) return;
        yield rows
          .map((r) => (format === 'csv' ? auditCsvLine(r) : `${JSON.stringify(toAuditEvent(r))}\n`))
          .join('');
        afterSeq = rows.at(-1)!.seq;
        if (rows.length < batch) return;
      }
    },
  };
}
