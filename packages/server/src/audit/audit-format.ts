import type { AuditRow } from '../store/index.js';

/** An audit event as the admin API returns it. */
export interface AuditEvent {
  id: string;
  seq: number;
  /** ISO 8601. */
  time: string;
  actor: string;
  tenantId: string;
  action: string;
  resource: string;
  /** `success`, `failure`, `denied`, ... */
  result: string;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The API shape of a stored row. */
export function toAuditEvent(r: AuditRow): AuditEvent {
  return {
    id: r.id,
    seq: r.seq,
    time: r.at,
    actor: r.actor,
    tenantId: r.tenantId,
    action: r.action,
    resource: r.resource,
    result: r.result,
    sourceIp: r.sourceIp,
    userAgent: r.userAgent,
    requestId: r.requestId,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

/** Columns of the CSV export, in order. */
export const AUDIT_CSV_COLUMNS = [
  'seq',
  'id',
  'time',
  'actor',
  'tenantId',
  'action',
  'resource',
  'result',
  'sourceIp',
  'userAgent',
  'requestId',
  'metadata',
  'prevHash',
  'hash',
] as const;

/** One CSV field (RFC 4180 quoting; a leading =, +, - or @ is prefixed so spreadsheets do not run it). */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line (with CRLF) of a stored row; metadata stays canonical JSON. */
export function auditCsvLine(r: AuditRow): string {
  // Same fields as the API shape, but metadata stays the canonical JSON the chain hashed.
  const values: Record<(typeof AUDIT_CSV_COLUMNS)[number], unknown> = {
    ...toAuditEvent(r),
    metadata: r.metadata,
  };
  return `${AUDIT_CSV_COLUMNS.map((c) => csvField(values[c])).join(',')}\r\n`;
}
