import type Database from 'better-sqlite3';

/** Where metering left off for one sandbox (persisted, so a restart neither loses nor double-counts). */
export interface MeterState {
  sandboxId: string;
  tenantId: string;
  /** The sandbox cgroup's cumulative CPU time at the last reading, µs. */
  cpuUs: number;
  /** When that reading was taken, ms since the epoch. */
  atMs: number;
  /** Whether the sandbox was running (accruing) then; paused sandboxes accrue nothing. */
  running: boolean;
}

/** Usage to add to one sandbox's bucket. */
export interface UsageDelta {
  tenantId: string;
  sandboxId: string;
  /** Start of the hour the usage falls in, unix seconds. */
  bucketStart: number;
  cpuSeconds: number;
  memoryMiBSeconds: number;
  sandboxSeconds: number;
}

/** One row of a usage report. */
export interface UsageTotal {
  tenantId: string;
  /** Start of the period, unix seconds. */
  periodStart: number;
  cpuSeconds: number;
  memoryMiBSeconds: number;
  sandboxSeconds: number;
  /** Distinct sandboxes that used anything in the period. */
  sandboxes: number;
}

/** Metering tables: hourly usage buckets per sandbox and the meter's resume points. */
export interface UsageStore {
  /** Adds the deltas and saves the states in one transaction. */
  record(deltas: readonly UsageDelta[], states: readonly MeterState[]): void;
  getState(sandboxId: string): MeterState | undefined;
  deleteState(sandboxId: string): void;
  listStates(): MeterState[];
  /**
   * Sums buckets in [sinceS, untilS) per tenant and period; `periodS` null = one period
   * (starting at sinceS).
   */
  totals(q: { tenantId?: string; sinceS: number; untilS: number; periodS: number | null }): UsageTotal[];
}

interface StateRow {
  sandbox_id: string;
  tenant_id: string;
  cpu_us: number;
  at_ms: number;
  running: number;
}

function toState(r: StateRow): MeterState {
  return {
    sandboxId: r.sandbox_id,
    tenantId: r.tenant_id,
    cpuUs: r.cpu_us,
    atMs: r.at_ms,
    running: r.running === 1,
  };
}

/** Creates the usage store over an open, migrated database. */
export function createUsageStore(db: Database.Database): UsageStore {
  const add = db.prepare(
    `INSERT INTO usage_buckets (tenant_id, bucket_start, sandbox_id, cpu_seconds, memory_mib_seconds, sandbox_seconds)
     VALUES (@tenantId, @bucketStart, @sandboxId, @cpuSeconds, @memoryMiBSeconds, @sandboxSeconds)
     ON CONFLICT (tenant_id, bucket_start, sandbox_id) DO UPDATE SET
       cpu_seconds = cpu_seconds + excluded.cpu_seconds,
       memory_mib_seconds = memory_mib_seconds + excluded.memory_mib_seconds,
       sandbox_seconds = sandbox_seconds + excluded.sandbox_seconds`,
  );
  const put = db.prepare(
    `INSERT INTO meter_state (sandbox_id, tenant_id, cpu_us, at_ms, running)
     VALUES (@sandboxId, @tenantId, @cpuUs, @atMs, @running)
     ON CONFLICT (sandbox_id) DO UPDATE SET tenant_id = excluded.tenant_id, cpu_us = excluded.cpu_us,
       at_ms = excluded.at_ms, running = excluded.running`,
  );
  const get = db.prepare('SELECT * FROM meter_state WHERE sandbox_id = ?');
  const del = db.prepare('DELETE FROM meter_state WHERE sandbox_id = ?');
  const all = db.prepare('SELECT * FROM meter_state');
  const record = db.transaction((deltas: readonly UsageDelta[], states: readonly MeterState[]) => {
    for (const d of deltas) add.run(d);
    for (const s of states) put.run({ ...s, running: s.running ? 1 : 0 });
  });
  return {
    record(deltas, states) {
      if (deltas.length || states.length) record(deltas, states);
    },
    getState(id) {
      const r = get.get(id) as StateRow | undefined;
      return r ? toState(r) : undefined;
    },
    deleteState(id) {
      del.run(id);
    },
    listStates() {
      return (all.all() as StateRow[]).map(toState);
    },
    totals(q) {
      const period = q.periodS === null ? '@since' : '(bucket_start / @p) * @p';
      const rows = db
        .prepare(
          `SELECT tenant_id AS tenantId, ${period} AS periodStart,
             SUM(cpu_seconds) AS cpuSeconds, SUM(memory_mib_seconds) AS memoryMiBSeconds,
             SUM(sandbox_seconds) AS sandboxSeconds, COUNT(DISTINCT sandbox_id) AS sandboxes
           FROM usage_buckets
           WHERE bucket_start >= @since AND bucket_start < @until ${q.tenantId === undefined ? '' : 'AND tenant_id = @tenant'}
           GROUP BY tenant_id, periodStart ORDER BY periodStart, tenant_id`,
        )
        .all({
          since: q.sinceS,
          until: q.untilS,
          ...(q.periodS === null ? {} : { p: q.periodS }),
          ...(q.tenantId === undefined ? {} : { tenant: q.tenantId }),
        }) as UsageTotal[];
      return rows;
    },
  };
}
