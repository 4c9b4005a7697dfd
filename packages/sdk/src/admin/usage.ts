import type { ApiClient } from '../api-client.js';
import type { UsageReport } from './types.js';

/** What period and grouping a usage report covers. */
export interface UsageOptions {
  /** Omit for every tenant (operators) or your own. */
  tenant?: string;
  /** @default the start of the current month (UTC) */
  since?: string | Date;
  /** @default now */
  until?: string | Date;
  /** @default 'day' */
  granularity?: 'hour' | 'day' | 'total';
}

const iso = (d: string | Date | undefined) => (d instanceof Date ? d.toISOString() : d);

/** Usage metering: CPU-seconds, memory MiB-seconds and sandbox-seconds per tenant and period. */
export class AdminUsage {
  constructor(private readonly api: ApiClient) {}

  private params(o: UsageOptions, format: 'json' | 'csv') {
    return { tenant: o.tenant, since: iso(o.since), until: iso(o.until), granularity: o.granularity, format };
  }

  report(o: UsageOptions = {}): Promise<UsageReport> {
    return this.api.json('GET', '/admin/usage', { query: this.params(o, 'json') });
  }

  /** The same report as CSV (header line first). */
  async csv(o: UsageOptions = {}): Promise<string> {
    return (await this.api.raw('GET', '/admin/usage', { query: this.params(o, 'csv') })).text();
  }
}
