import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox } from 'e2b';
import type { Report } from './report.js';

/**
 * Before/after in one run: the current tree and a baseline commit run side by side, each as
 * its own server process with its own data dir, bridge and subnet, and every measurement
 * alternates between them, so machine noise hits both alike.
 *
 * `npm run bench -- compare` compares with `SOULBOX_BENCH_BASELINE` (a git ref, default
 * `HEAD~1`). The baseline is exported with `git archive`, installed (`npm ci`) and built once
 * per commit under `<SOULBOX_BENCH_DIR>/baseline-<sha>`.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH_DIR = process.env.SOULBOX_BENCH_DIR ?? '/var/lib/soulbox-bench';
const TEMPLATES_DIR = process.env.SOULBOX_TEST_TEMPLATES_DIR ?? '/var/lib/soulbox-test/templates';

interface Side {
  name: string;
  url: string;
  apiKey: string;
  proc: ChildProcess;
  cfgDir: string;
}

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Exports, installs and builds the baseline tree once per commit. */
function prepareBaseline(ref: string): { dir: string; sha: string } {
  const sha = sh('git', ['rev-parse', '--verify', `${ref}^{commit}`], ROOT).trim();
  const dir = path.join(BENCH_DIR, `baseline-${sha.slice(0, 12)}`);
  if (fs.existsSync(path.join(dir, '.ready'))) return { dir, sha };
  fs.rmSync(dir, { recursive: true, force: true });
  // The data dirs below it must stay traversable: runc resolves a sandbox's rootfs as its root uid.
  fs.mkdirSync(BENCH_DIR, { recursive: true, mode: 0o711 });
  fs.mkdirSync(dir, { mode: 0o700 });
  process.stderr.write(`bench: preparing baseline ${sha.slice(0, 12)} in ${dir}\n`);
  execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C ${JSON.stringify(dir)}`], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  sh('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  sh('npx', ['tsc', '-b'], dir);
  sh('node', ['packages/envd/scripts/bundle.mjs'], dir);
  fs.writeFileSync(path.join(dir, '.ready'), `${sha}\n`);
  return { dir, sha };
}

async function startSide(name: string, tree: string, index: number): Promise<Side> {
  const apiKey = `e2b_${randomBytes(20).toString('hex')}`;
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), `soulbox-cmp-${name}-`));
  const cfgFile = path.join(cfgDir, 'config.json');
  fs.writeFileSync(
    cfgFile,
    JSON.stringify({
      dataDir: path.join(BENCH_DIR, `data-${name}`),
      templatesDir: TEMPLATES_DIR,
      port: 0,
      logLevel: 'warn',
      adminKey: apiKey,
      network: { bridge: `sbcmp${index}`, subnet: `10.${246 + index}.0.0/16` },
      pool: { enabled: false },
    }),
  );
  const main = path.join(tree, 'packages/server/src/main.ts');
  const proc = spawn(process.execPath, ['--import', 'tsx', main, '--config', cfgFile], {
    cwd: tree,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const deadline = Date.now() + 600_000;
  for (;;) {
    const url = /running at (\S+)/.exec(out)?.[1];
    if (url) return { name, url, apiKey, proc, cfgDir };
    if (proc.exitCode !== null) throw new Error(`${name} server exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`${name} server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopSide(s: Side): Promise<void> {
  if (s.proc.exitCode === null) {
    const exited = new Promise((r) => s.proc.once('exit', r));
    s.proc.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(s.cfgDir, { recursive: true, force: true });
}

const opts = (s: Side) => ({ apiKey: s.apiKey, apiUrl: s.url, sandboxUrl: s.url });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Cold create and `commands.run('true')`, baseline and current interleaved. */
export async function compareBenchmarks(report: Report, n: number): Promise<void> {
  const ref = process.env.SOULBOX_BENCH_BASELINE ?? 'HEAD~1';
  const base = prepareBaseline(ref);
  const sides: Side[] = [];
  try {
    sides.push(await startSide('baseline', base.dir, 0));
    sides.push(await startSide('current', ROOT, 1));
    const label = (s: Side) =>
      s.name === 'baseline' ? `before (${base.sha.slice(0, 8)})` : 'after (this tree)';
    const creates = new Map<Side, number[]>(sides.map((s) => [s, []]));
    const runs = new Map<Side, number[]>(sides.map((s) => [s, []]));
    // Warm both up (first create pays template checks and page cache).
    for (const s of sides) await (await Sandbox.create(opts(s))).kill();
    for (let i = 0; i < n; i++) {
      for (const s of i % 2 ? [...sides].reverse() : sides) {
        let sbx: Sandbox | undefined;
        creates.get(s)!.push(
          await timed(async () => {
            sbx = await Sandbox.create(opts(s));
          }),
        );
        await sbx!.kill();
      }
    }
    const probes = await Promise.all(sides.map((s) => Sandbox.create(opts(s))));
    try {
      for (let i = 0; i < n * 3; i++) {
        for (const [k, s] of sides.entries()) {
          runs.get(s)!.push(await timed(() => probes[k]!.commands.run('true')));
        }
      }
    } finally {
      await Promise.all(probes.map((p) => p.kill()));
    }
    for (const s of sides) report.record(`compare: SDK Sandbox.create() cold, ${label(s)}`, creates.get(s)!);
    for (const s of sides) report.record(`compare: SDK commands.run('true'), ${label(s)}`, runs.get(s)!);
  } finally {
    for (const s of sides) await stopSide(s);
  }
}
