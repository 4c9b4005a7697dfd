import { csvField } from '../audit/audit-format.js';
import { SoulBoxError } from '../errors/index.js';
import type { UsageStore } from '../store/index.js';

/** How usage is grouped in time. */
export type UsageGranularity = 'hour' | 'day' | 'total';

/** One row of a usage report: one tenant, one period. */
export interface UsageRow {
  tenantId: string;
  /** ISO 8601, inclusive. */
  periodStart: string;
  /** ISO 8601, exclusive. */
  periodEnd: string;
  cpuSeconds: number;
  memoryMiBSeconds: number;
  sandboxSeconds: number;
  /** Sandboxes that used anything in the period. */
  sandboxes: number;
}

/** A usage report (what billing is built on). */
export interface UsageReport {
  /** Whole hours, UTC: `since` rounded down, `until` up. */
  since: string;
  until: string;
  granularity: UsageGranularity;
  rows: UsageRow[];
}

const HOUR_S = 3600;
const PERIOD_S: Record<UsageGranularity, number | null> = { hour: HOUR_S, day: 86_400, total: null };

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Builds a report from the hourly buckets. */
export function usageReport(
  store: UsageStore,
  q: { tenantId?: string; since: Date; until: Date; granularity: UsageGranularity },
): UsageReport {
  const sinceS = Math.floor(q.since.getTime() / 1000 / HOUR_S) * HOUR_S;
  const untilS = Math.ceil(q.until.getTime() / 1000 / HOUR_S) * HOUR_S;
  if (!(untilS > sinceS)) throw new SoulBoxError('INVALID_ARGUMENT', 'until must be after since');
  const periodS = PERIOD_S[q.granularity];
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const rows = store
    .totals({ ...(q.tenantId === undefined ? {} : { tenantId: q.tenantId }), sinceS, untilS, periodS })
    .map((t) => ({
      tenantId: t.tenantId,
      periodStart: iso(Math.max(t.periodStart, sinceS)),
      periodEnd: iso(periodS === null ? untilS : Math.min(t.periodStart + periodS, untilS)),
      cpuSeconds: round(t.cpuSeconds),
      memoryMiBSeconds: round(t.memoryMiBSeconds),
      sandboxSeconds: round(t.sandboxSeconds),
      sandboxes: t.sandboxes,
    }));
  return { since: iso(sinceS), until: iso(untilS), granularity: q.granularity, rows };
}

/** Columns of the CSV form, in order. */
export const USAGE_CSV_COLUMNS = [
  'tenantId',
  'periodStart',
  'periodEnd',
  'cpuSeconds',
  'memoryMiBSeconds',
  'sandboxSeconds',
  'sandboxes',
] as const satisfies readonly (keyof UsageRow)[];

/** The report as CSV (header line first, CRLF line ends). */
export function usageCsv(report: UsageReport): string {
  const lines = [USAGE_CSV_COLUMNS.join(',')];
  for (const r of report.rows) lines.push(USAGE_CSV_COLUMNS.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
