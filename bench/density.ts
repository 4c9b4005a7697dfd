import fs from 'node:fs';
import { Sandbox } from 'e2b';
import { createSandbox, startTestServer, type TestServer } from '../packages/server/test/helpers/harness.js';
import type { Report } from './report.js';
import { measure } from './stats.js';

function memAvailableMiB(): number {
  return Number(/MemAvailable:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Warm vs cold create through the official SDK (issue: warm p50 ≤ 20 ms, p99 ≤ 60 ms; cold p50 ≤ 250 ms). */
export async function poolBenchmarks(r: Report, n: number): Promise<void> {
  // Two extra for the unmeasured warm-up creates.
  const size = n + 2;
  const t = await startTestServer({
    pool: { templates: { base: { min: size, max: size } }, refillConcurrency: 2 },
  });
  try {
    const ready = () => t.server.sandboxes.pool.levels().find((l) => l.templateId === 'base')?.ready ?? 0;
    if (!(await until(() => ready() >= size, 300_000))) throw new Error('the pool did not fill');
    const boxes: Sandbox[] = [];
    const hits = t.server.sandboxes.pool.hits;
    r.record(
      'pool: Sandbox.create() warm (SDK)',
      await measure(n, async () => {
        boxes.push(await Sandbox.create(t.sdk));
      }),
      'p50 ≤ 20 ms, p99 ≤ 60 ms',
    );
    r.value(
      'pool: warm hits during the warm run',
      t.server.sandboxes.pool.hits - hits,
      'count',
      `${size} (incl. 2 warm-up)`,
    );
    await Promise.all(boxes.map((b) => b.kill()));
  } finally {
    await t.close();
  }
  const cold = await startTestServer({ pool: { enabled: false } });
  try {
    const boxes: Sandbox[] = [];
    r.record(
      'pool: Sandbox.create() cold (SDK, pool off)',
      await measure(n, async () => {
        boxes.push(await Sandbox.create(cold.sdk));
      }),
      'p50 ≤ 250 ms',
    );
    for (const b of boxes) await b.kill();
    // Sustained create+kill, two at a time, for a fixed time.
    const until = Date.now() + 20_000;
    let done = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (Date.now() < until) {
          const s = await createSandbox(cold);
          await cold.server.sandboxes.kill(s.id);
          done++;
        }
      }),
    );
    r.value(
      'pool: sustained create+kill throughput (cold, 2 in flight)',
      done / 20,
      'ops/s',
      undefined,
      `${done} in 20 s`,
    );
  } finally {
    await cold.close();
  }
}

/**
 * Density: as many idle sandboxes as asked (1,000 by default), created one after another;
 * reports host memory per sandbox and API latency while they all run. A run that stops early
 * reports how far it got and why.
 */
export async function densityBenchmarks(r: Report, target: number): Promise<void> {
  const t: TestServer = await startTestServer({
    pool: { enabled: false },
    admission: { cpuOvercommit: 10_000, memoryOvercommit: 100 },
    sandbox: { defaultCpuCount: 1, defaultMemoryMiB: 128, defaultDiskMiB: 256 },
  });
  const ids: string[] = [];
  let failure = '';
  try {
    await new Promise((res) => setTimeout(res, 2000));
    const before = memAvailableMiB();
    const t0 = Date.now();
    for (let i = 0; i < target; i++) {
      try {
        // An hour: creating a thousand takes minutes, and none may time out before the measurement.
        ids.push((await createSandbox(t, { timeoutS: 3600 })).id);
      } catch (err) {
        failure = (err as Error).message;
        break;
      }
      if ((i + 1) % 100 === 0)
        process.stderr.write(
          `bench: density ${i + 1} sandboxes, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
        );
    }
    // Let envd settle (V8's memory reducer runs once a process is idle) before measuring.
    await new Promise((res) => setTimeout(res, 20_000));
    const after = memAvailableMiB();
    r.value(
      'density: idle sandboxes live at once',
      ids.length,
      'count',
      `${target}`,
      failure ? `stopped: ${failure}` : 'all created',
    );
    r.value(
      'density: host memory used by them',
      before - after,
      'MiB',
      undefined,
      'MemAvailable before − after',
    );
    r.value(
      'density: per-sandbox overhead',
      (before - after) / Math.max(1, ids.length),
      'MiB',
      'goal ≤ 10 MiB',
    );
    const headers = { 'x-api-key': t.apiKey };
    let i = 0;
    r.record(
      `density: GET /v2/sandboxes/{id} with ${ids.length} running`,
      await measure(500, async () => {
        const res = await fetch(`${t.url}/v2/sandboxes/${ids[i++ % ids.length]}`, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET answered ${res.status}`);
      }),
      'p99 ≤ 20 ms',
    );
    const kt0 = Date.now();
    for (const id of ids.splice(0)) await t.server.sandboxes.kill(id);
    r.value('density: kill all, seconds', (Date.now() - kt0) / 1000, 'count');
  } finally {
    for (const id of ids) await t.server.sandboxes.kill(id).catch(() => {});
    await t.close();
  }
}
