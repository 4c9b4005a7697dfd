import type Database from 'better-sqlite3';

/** One stored audit event, exactly as it was hashed. */
export interface AuditRow {
  /** Position in the chain, 1-based and gapless. */
  seq: number;
  id: string;
  /** ISO 8601. */
  at: string;
  actor: string;
  tenantId: string;
  action: string;
  resource: string;
  result: string;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Canonical JSON text. */
  metadata: string;
  prevHash: string;
  hash: string;
}

/** Filters of {@link AuditStore.query}; all optional, combined with AND. */
export interface AuditStoreQuery {
  tenantId?: string;
  actor?: string;
  /** Exact action, or a prefix when it ends with `*` (`sandbox.*`). */
  action?: string;
  resource?: string;
  result?: string;
  /** ISO 8601, inclusive. */
  since?: string;
  /** ISO 8601, exclusive. */
  until?: string;
  /** Only events older than this seq (the paging cursor). */
  beforeSeq?: number;
  limit: number;
}

interface Row {
  seq: number;
  id: string;
  at: string;
  actor: string;
  tenant_id: string;
  action: string;
  resource: string;
  result: string;
  source_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: string;
  prev_hash: string;
  hash: string;
}

function toAudit(r: Row): AuditRow {
  return {
    seq: r.seq,
    id: r.id,
    at: r.at,
    actor: r.actor,
    tenantId: r.tenant_id,
    action: r.action,
    resource: r.resource,
    result: r.result,
    sourceIp: r.source_ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    metadata: r.metadata,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** The audit table: append (never update or delete; triggers refuse both), query, walk. */
export interface AuditStore {
  /**
   * Appends the row `build` makes from the chain's last (seq, hash), in one IMMEDIATE
   * transaction, so that concurrent writers (even other processes) cannot fork the chain.
   */
  append(build: (last: { seq: number; hash: string } | undefined) => AuditRow): AuditRow;
  /** Newest first. */
  query(q: AuditStoreQuery): AuditRow[];
  /**
   * Every row after `afterSeq`, oldest first. Consume it synchronously: better-sqlite3 keeps
   * the connection busy while an iterator is open.
   */
  iterate(afterSeq?: number): IterableIterator<AuditRow>;
  /** Up to `limit` filtered rows after `afterSeq`, oldest first (exports page with this). */
  queryAscending(q: Omit<AuditStoreQuery, 'beforeSeq'> & { afterSeq: number }): AuditRow[];
}

function whereOf(q: Omit<AuditStoreQuery, 'limit'> & { afterSeq?: number }): {
  sql: string;
  params: unknown[];
} {
  const where: string[] = [];
  const params: unknown[] = [];
  const eq = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    where.push(`${col} = ?`);
    params.push(v);
  };
  eq('tenant_id', q.tenantId);
  eq('actor', q.actor);
  eq('resource', q.resource);
  eq('result', q.result);
  if (q.action !== undefined) {
    if (q.action.endsWith('*')) {
      where.push("action LIKE ? ESCAPE '\\'");
      params.push(`${q.action.slice(0, -1).replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
    } else eq('action', q.action);
  }
  if (q.since !== undefined) {
    where.push('at >= ?');
    params.push(q.since);
  }
  if (q.until !== undefined) {
    where.push('at < ?');
    params.push(q.until);
  }
  if (q.beforeSeq !== undefined) {
    where.push('seq < ?');
    params.push(q.beforeSeq);
  }
  if (q.afterSeq !== undefined) {
    where.push('seq > ?');
    params.push(q.afterSeq);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** Creates the audit store over an open, migrated database. */
export function createAuditStore(db: Database.Database): AuditStore {
  const last = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    `INSERT INTO audit_events (seq, id, at, actor, tenant_id, action, resource, result, source_ip, user_agent, request_id, metadata, prev_hash, hash)
     VALUES (@seq, @id, @at, @actor, @tenantId, @action, @resource, @result, @sourceIp, @userAgent, @requestId, @metadata, @prevHash, @hash)`,
  );
  const from = db.prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq');
  const append = db.transaction((build: (l: { seq: number; hash: string } | undefined) => AuditRow) => {
    const row = build(last.get() as { seq: number; hash: string } | undefined);
    insert.run(row);
    return row;
  });
  return {
    append(build) {
      return append.immediate(build);
    },
    query(q) {
      const w = whereOf(q);
      const rows = db
        .prepare(`SELECT * FROM audit_events ${w.sql} ORDER BY seq DESC LIMIT ?`)
        .all(...w.params, q.limit) as Row[];
      return rows.map(toAudit);
    },
    *iterate(afterSeq = 0) {
      for (const r of from.iterate(afterSeq) as IterableIterator<Row>) yield toAudit(r);
    },
    queryAscending(q) {
      const w = whereOf(q);
      const rows = db
        .prepare(`SELECT * FROM audit_events ${w.sql} ORDER BY seq LIMIT ?`)
        .all(...w.params, q.limit) as Row[];
      return rows.map(toAudit);
    },
  };
}
