import { createHash } from 'node:crypto';
import type { AuditRow } from '../store/index.js';

/** prevHash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = norm(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

/**
 * The hash of an event: sha256 over every field (position and previous hash included), so
 * editing, reordering or removing a row breaks the chain from that row on.
 */
export function hashAuditRow(row: Omit<AuditRow, 'hash'>): string {
  const fields = [
    row.seq,
    row.id,
    row.at,
    row.actor,
    row.tenantId,
    row.action,
    row.resource,
    row.result,
    row.sourceIp,
    row.userAgent,
    row.requestId,
    row.metadata,
    row.prevHash,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/** Outcome of {@link verifyChain}. */
export interface ChainVerification {
  ok: boolean;
  /** Rows checked (up to and including the first bad one). */
  checked: number;
  /** Id of the first row that does not verify. */
  firstBadId?: string;
  firstBadSeq?: number;
  /** Why it does not verify. */
  reason?: string;
  /** The chain's last (seq, hash): keep it elsewhere to detect a truncated tail later. */
  head?: { seq: number; hash: string };
}

/** Walks rows oldest first and checks positions, links and hashes. */
export function verifyChain(rows: Iterable<AuditRow>): ChainVerification {
  let checked = 0;
  let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH };
  for (const row of rows) {
    checked++;
    const bad = (reason: string): ChainVerification => ({
      ok: false,
      checked,
      firstBadId: row.id,
      firstBadSeq: row.seq,
      reason,
    });
    if (row.seq !== prev.seq + 1)
      return bad(`expected event #${prev.seq + 1}, found #${row.seq} (rows removed)`);
    if (row.prevHash !== prev.hash) return bad('does not link to the previous event');
    if (hashAuditRow(row) !== row.hash) return bad('its content does not match its hash (edited)');
    prev = { seq: row.seq, hash: row.hash };
  }
  return { ok: true, checked, ...(checked ? { head: prev } : {}) };
}
