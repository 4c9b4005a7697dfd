import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../store/index.js';
import { silentLogger } from '../util/logger.js';
import { createUsageMeter, hourlySplit, type UsageReading } from './usage-meter.js';
import { usageCsv, usageReport } from './usage-report.js';

const MiB = 2 ** 20;
const T0 = Date.UTC(2026, 0, 1, 10, 59, 0);

describe('usage meter', () => {
  it('splits a span over the hours it covers', () => {
    assert.deepEqual(hourlySplit(T0, T0 + 120_000), [
      { bucketStart: Date.UTC(2026, 0, 1, 10) / 1000, fraction: 0.5 },
      { bucketStart: Date.UTC(2026, 0, 1, 11) / 1000, fraction: 0.5 },
    ]);
  });

  it('accrues CPU, memory and running time; pause stops the clock; a restart resumes without loss', () => {
    const store = openStore({ file: ':memory:' });
    let now = T0;
    const readings = new Map<string, UsageReading>([
      ['s1', { cpuUsageUs: 1_000_000, memoryUsedBytes: 100 * MiB }],
    ]);
    const meter = () =>
      createUsageMeter({
        store: store.usage,
        read: (id) => readings.get(id),
        intervalMs: 3_600_000,
        logger: silentLogger,
        now: () => now,
      });
    const m1 = meter();
    m1.start('s1', 'acme');
    now += 10_000;
    readings.set('s1', { cpuUsageUs: 4_000_000, memoryUsedBytes: 100 * MiB });
    m1.flush();
    // Paused for a minute: no running time, no memory time.
    m1.stop('s1');
    now += 60_000;
    m1.start('s1', 'acme');
    now += 10_000;
    readings.set('s1', { cpuUsageUs: 5_000_000, memoryUsedBytes: 50 * MiB });
    m1.close(); // the server stops; the sandbox keeps running
    // Down for 30 s; the cgroup counted on.
    now += 30_000;
    readings.set('s1', { cpuUsageUs: 6_500_000, memoryUsedBytes: 50 * MiB });
    const m2 = meter();
    m2.start('s1', 'acme'); // adopted
    m2.stop('s1');
    m2.forget('s1');
    m2.close();
    const r = usageReport(store.usage, { since: new Date(T0), until: new Date(now), granularity: 'total' });
    assert.equal(r.rows.length, 1);
    const row = r.rows[0]!;
    assert.equal(row.cpuSeconds, 5.5, 'every CPU second the cgroup counted after start');
    assert.equal(row.sandboxSeconds, 50, '10 + 10 running + 30 while the server was down');
    assert.equal(row.memoryMiBSeconds, 100 * 10 + 50 * 10 + 50 * 30);
    const hourly = usageReport(store.usage, {
      since: new Date(T0),
      until: new Date(now),
      granularity: 'hour',
    });
    assert.equal(hourly.rows.length, 2);
    assert.equal(
      Math.round((hourly.rows[0]!.sandboxSeconds + hourly.rows[1]!.sandboxSeconds) * 1000) / 1000,
      50,
    );
    assert.match(
      usageCsv(hourly),
      /^tenantId,periodStart,periodEnd,cpuSeconds,memoryMiBSeconds,sandboxSeconds,sandboxes\r\nacme,2026-01-01T10:00:00\.000Z,2026-01-01T11:00:00\.000Z,/,
    );
    assert.equal(store.usage.listStates().length, 0);
    store.close();
  });
});
