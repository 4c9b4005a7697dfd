import fs from 'node:fs';
import os from 'node:os';
import { createClient } from '@connectrpc/connect';
import { Process } from '@soulbox/proto';
import { Sandbox } from 'e2b';
import { envdTransport } from '../packages/server/src/sandbox/envd-client.js';
import { createSandbox, startTestServer, type TestServer } from '../packages/server/test/helpers/harness.js';
import { codeBenchmarks } from './code.js';
import { compareBenchmarks } from './compare.js';
import { densityBenchmarks, poolBenchmarks } from './density.js';
import { bareBundle, spawnWait } from './floor.js';
import { governanceBenchmarks } from './governance.js';
import { createReport, type Report } from './report.js';
import { measure } from './stats.js';

const N = Number(process.env.SOULBOX_BENCH_N ?? 30);
let report: Report;
const record = (name: string, samples: number[], target?: string) => report.record(name, samples, target);
const value = (
  name: string,
  v: number,
  unit: 'ms' | 'MiB' | 'count' | 'ops/s',
  target?: string,
  note?: string,
) => report.value(name, v, unit, target, note);

function privateMiB(pid: number): number {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
}

async function runtimeBenchmarks(t: TestServer): Promise<void> {
  const mgr = t.server.sandboxes;
  // Cold create to envd-ready (the manager call returns once envd answers).
  const created: string[] = [];
  record(
    'runtime: cold create → envd ready',
    await measure(N, async () => {
      created.push((await createSandbox(t)).id);
    }),
    'p50 ≤ 250 ms',
  );
  const kills: number[] = [];
  for (const id of created) {
    const t0 = performance.now();
    await mgr.kill(id);
    kills.push(performance.now() - t0);
  }
  record('runtime: kill (container, mounts, netns, files)', kills);

  const s = await createSandbox(t);
  const envd = t.server.runtime.envdEndpoint(s.id, 'api');
  const client = createClient(Process, envdTransport(envd));
  const start = async (cmd: string, args: string[]) => {
    for await (const _ of client.start(
      { process: { cmd, args, envs: {} }, stdin: false },
      { headers: envd.headers },
    )) {
      // drain
    }
  };
  record(
    'runtime: /bin/true through envd (Process.Start stream)',
    await measure(N * 3, () => start('/bin/true', [])),
    'p50 ≤ 10 ms',
  );
  record(
    'runtime: bash -l -c true through envd',
    await measure(N * 3, () => start('/bin/bash', ['-l', '-c', 'true'])),
  );
  await mgr.kill(s.id);

  // Idle memory: a batch of idle sandboxes, then envd's private memory and the cgroup's view.
  const batch = 10;
  const idle: string[] = [];
  for (let i = 0; i < batch; i++) idle.push((await createSandbox(t)).id);
  // Idle means settled: V8's memory reducer and the kernel's writeback run within ~15 s of start.
  await new Promise((r) => setTimeout(r, 15_000));
  const privates: number[] = [];
  const cgroupMiB: number[] = [];
  for (const id of idle) {
    const state = await t.server.runtime.state(id);
    privates.push(privateMiB(state!.pid));
    cgroupMiB.push(mgr.metrics(id).at(-1)?.memUsed ?? 0);
  }
  value(
    'runtime: idle envd private memory (smaps Private_*)',
    privates.reduce((a, b) => a + b, 0) / batch,
    'MiB',
    '≤ 12 MiB',
  );
  value(
    'runtime: idle sandbox cgroup memory (rss)',
    cgroupMiB.reduce((a, b) => a + b, 0) / batch / 1024 / 1024,
    'MiB',
  );
  // The host-wide figure per sandbox is measured at scale, with less noise, by the density section.
  for (const id of idle) await mgr.kill(id);
}

async function sdkBenchmarks(t: TestServer): Promise<void> {
  const opts = t.sdk;
  const boxes: Sandbox[] = [];
  record(
    'sdk: Sandbox.create() (cold)',
    await measure(N, async () => {
      boxes.push(await Sandbox.create(opts));
    }),
    'p50 ≤ 300 ms',
  );
  for (const b of boxes.splice(0)) await b.kill();
  const sbx = await Sandbox.create(opts);
  try {
    record("sdk: commands.run('true')", await measure(N * 3, () => sbx.commands.run('true')), 'p50 ≤ 15 ms');
    const mib = new Uint8Array(1024 * 1024).fill(7).buffer;
    record(
      'sdk: files.write + files.read 1 MiB',
      await measure(N, async (i) => {
        await sbx.files.write(`/tmp/bench-${i}`, mib);
        const back = await sbx.files.read(`/tmp/bench-${i}`, { format: 'bytes' });
        if (back.length !== mib.byteLength) throw new Error('short read');
      }),
      'p50 ≤ 30 ms',
    );
    let errors = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        sbx.commands.run(`for j in 1 2 3; do echo stream-${i}-$j; sleep 0.1; done`).then(
          (r) => {
            if (!r.stdout.includes(`stream-${i}-3`)) errors++;
          },
          () => {
            errors++;
          },
        ),
      ),
    );
    value(
      'sdk: 50 concurrent commands.run streams, errors',
      errors,
      'count',
      '0',
      `all done in ${(performance.now() - t0).toFixed(0)} ms`,
    );
  } finally {
    await sbx.kill();
  }
}

async function floorBenchmarks(templateRootfs: string): Promise<void> {
  record('floor: host spawn("true")', await measure(N * 3, () => spawnWait('true', [])));
  const bundle = await bareBundle(os.tmpdir(), templateRootfs);
  try {
    bundle.write(['/bin/true']);
    let i = 0;
    record(
      'floor: runc run /bin/true (same rootfs, bare config)',
      await measure(N, () =>
        spawnWait('runc', ['run', '--bundle', bundle.dir, `sbfloor-${process.pid}-${i++}`]),
      ),
    );
    bundle.write(['sleep', 'infinity']);
    const id = `sbfloor-${process.pid}-exec`;
    await spawnWait('runc', ['run', '--detach', '--bundle', bundle.dir, id], undefined, true);
    try {
      record(
        'floor: runc exec true (bare container)',
        await measure(N * 3, () => spawnWait('runc', ['exec', id, 'true'])),
      );
      const mib = Buffer.alloc(1024 * 1024, 7);
      record(
        'floor: runc exec write + read 1 MiB',
        await measure(N, async () => {
          await spawnWait('runc', ['exec', id, 'sh', '-c', 'cat > /tmp/f'], mib);
          const back = await spawnWait('runc', ['exec', id, 'cat', '/tmp/f']);
          if (back.length !== mib.length) throw new Error('short read');
        }),
      );
    } finally {
      await spawnWait('runc', ['delete', '--force', id]);
    }
  } finally {
    await bundle.close();
  }
}

/** Sections, selectable on the command line: `npm run bench -- runtime sdk`. Default: all. */
const SECTIONS = ['runtime', 'sdk', 'floor', 'pool', 'code', 'density', 'governance', 'compare'] as const;

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => (SECTIONS as readonly string[]).includes(a));
  const want = (s: (typeof SECTIONS)[number]) => asked.length === 0 || asked.includes(s);
  report = createReport();
  if (want('runtime') || want('sdk') || want('floor')) {
    const t = await startTestServer({
      pool: { enabled: false },
      sandbox: { defaultCpuCount: 1, defaultMemoryMiB: 256 },
    });
    try {
      if (want('runtime')) await runtimeBenchmarks(t);
      if (want('sdk')) await sdkBenchmarks(t);
      if (want('floor')) await floorBenchmarks((await t.server.templates.ensure('base')).rootfsDir);
    } finally {
      await t.close();
    }
  }
  if (want('pool')) await poolBenchmarks(report, N);
  if (want('code')) await codeBenchmarks(report, N);
  if (want('density')) await densityBenchmarks(report, Number(process.env.SOULBOX_BENCH_DENSITY ?? 1000));
  // Only when asked: it builds a second tree (`SOULBOX_BENCH_BASELINE`, default HEAD~1).
  if (asked.includes('compare')) await compareBenchmarks(report, N);
  if (want('governance'))
    await governanceBenchmarks(report, Number(process.env.SOULBOX_BENCH_AUTH_N ?? 2000));
  report.finish();
}

await main();
