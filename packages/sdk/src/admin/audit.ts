import type { ApiClient } from '../api-client.js';
import type { AuditEvent, AuditPage, AuditVerification } from './types.js';

/** Audit filters (all optional, combined with AND). */
export interface AuditFilters {
  tenant?: string;
  actor?: string;
  /** Exact action, or a prefix ending in `*` (`sandbox.*`). */
  action?: string;
  resource?: string;
  result?: string;
  since?: string | Date;
  until?: string | Date;
}

const iso = (d: string | Date | undefined) => (d instanceof Date ? d.toISOString() : d);

function query(f: AuditFilters): Record<string, string | undefined> {
  return {
    tenant: f.tenant,
    actor: f.actor,
    action: f.action,
    resource: f.resource,
    result: f.result,
    since: iso(f.since),
    until: iso(f.until),
  };
}

/** The audit log: query with paging, verify the hash chain, export. */
export class AdminAudit {
  constructor(private readonly api: ApiClient) {}

  /** One page, newest first. */
  query(f: AuditFilters & { limit?: number; cursor?: string } = {}): Promise<AuditPage> {
    return this.api.json('GET', '/admin/audit', { query: { ...query(f), limit: f.limit, cursor: f.cursor } });
  }

  /** Every matching event, newest first, page by page. */
  async *events(f: AuditFilters & { pageSize?: number } = {}): AsyncGenerator<AuditEvent> {
    let cursor: string | undefined;
    do {
      const page = await this.query({ ...f, limit: f.pageSize ?? 500, ...(cursor ? { cursor } : {}) });
      yield* page.events;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** Recomputes the whole chain (operators only). */
  verify(): Promise<AuditVerification> {
    return this.api.json('GET', '/admin/audit/verify');
  }

  /** The export as text: JSON lines or CSV, oldest first. */
  async export(f: AuditFilters & { format?: 'jsonl' | 'csv' } = {}): Promise<string> {
    const res = await this.api.raw('GET', '/admin/audit/export', {
      query: { ...query(f), format: f.format ?? 'jsonl' },
      timeoutMs: 0,
    });
    return res.text();
  }
}
