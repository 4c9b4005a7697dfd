import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Kernel, KernelExit, KernelOutput } from '../kernel.js';
import type { KernelProcess } from '../kernel-process.js';
import { TYPESCRIPT_FLAG } from './kernel-protocol.js';
import { startNodeKernel } from './node-kernel.js';

const KERNEL_MAIN = fileURLToPath(new URL('./kernel-main.ts', import.meta.url));
/** tsx by absolute URL: the kernel runs in a temporary cwd where `--import tsx` would not resolve. */
const TSX = import.meta.resolve('tsx');

/** The kernel from source (through tsx), with fd 3 as in envd; no envd-exec, no root needed. */
async function startKernel(cwd: string, typescript = false): Promise<Kernel> {
  const child = spawn(
    process.execPath,
    ['--import', TSX, KERNEL_MAIN, ...(typescript ? [TYPESCRIPT_FLAG] : [])],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<KernelExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: KernelProcess = {
    pid: child.pid as number,
    child,
    exited,
    signal: (s) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(s);
    },
  };
  return startNodeKernel({ process: proc });
}

async function run(kernel: Kernel, code: string): Promise<KernelOutput[]> {
  const out: KernelOutput[] = [];
  await kernel.execute(code, (o) => out.push(o));
  return out;
}

const text = (out: KernelOutput[]) =>
  out.flatMap((o) => (o.type === 'result' && o.isMain ? [String(o.bundle['text/plain'])] : []))[0];

describe('Node kernel', { timeout: 60_000 }, () => {
  let dir: string;
  let js: Kernel;
  let ts: Kernel;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'node-kernel-'));
    writeFileSync(join(dir, 'local.cjs'), 'module.exports = { answer: 42 };');
    [js, ts] = await Promise.all([startKernel(dir), startKernel(dir, true)]);
  });
  after(async () => {
    await Promise.all([js?.kill(), ts?.kill()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts executions, keeps state and shows values with inspect', async () => {
    const first = await run(js, 'let greeting = "hi"; greeting');
    assert.equal(first[0]?.type, 'execution_count');
    assert.equal(text(first), "'hi'");
    assert.equal(text(await run(js, 'greeting.length + 1')), '3');
    assert.equal(text(await run(js, '[1, {a: 2}]')), '[ 1, { a: 2 } ]');
  });

  it('streams console output in order with the result', async () => {
    const out = await run(js, 'console.log("a"); console.error("b"); process.stdout.write("c\\n"); 1');
    assert.deepEqual(
      out
        .slice(1)
        .map((o) =>
          o.type === 'result' ? `result:${o.bundle['text/plain']}` : `${o.type}:${'text' in o ? o.text : ''}`,
        ),
      ['stdout:a\n', 'stderr:b\n', 'stdout:c\n', 'result:1'],
    );
  });

  it('supports top-level await, require and import from the cwd, and display()', async () => {
    assert.equal(
      text(await run(js, 'const v = await new Promise((r) => setTimeout(() => r(7), 5)); v')),
      '7',
    );
    assert.equal(text(await run(js, 'require("./local.cjs").answer')), '42');
    assert.equal(text(await run(js, 'import { answer } from "./local.cjs"; answer')), '42');
    const shown = await run(js, 'display(display.html("<b>x</b>")); display(5)');
    const bundles = shown.flatMap((o) => (o.type === 'result' ? [o] : []));
    assert.deepEqual(
      bundles.map((b) => [b.bundle, b.isMain]),
      [
        [{ 'text/html': '<b>x</b>' }, false],
        [{ 'text/plain': '5' }, false],
      ],
    );
  });

  it('reports errors with the stack of the cell only', async () => {
    const out = await run(js, 'function boom() { throw new TypeError("bad") }\nboom()');
    const error = out.find((o) => o.type === 'error');
    assert.ok(error && error.type === 'error');
    assert.equal(error.name, 'TypeError');
    assert.equal(error.value, 'bad');
    assert.match(error.traceback, /cell-\d+\.js:1/);
    assert.doesNotMatch(error.traceback, /node:vm|kernel-main/);
  });

  it('sets and unsets environment variables', async () => {
    await js.setEnv({ SB_TEST: 'one' }, []);
    assert.equal(text(await run(js, 'process.env.SB_TEST')), "'one'");
    await js.setEnv({}, ['SB_TEST']);
    assert.equal(text(await run(js, 'process.env.SB_TEST')), undefined);
  });

  it('interrupts a busy loop and a pending await, and keeps the state', async () => {
    for (const code of ['while (true) {}', 'await new Promise(() => {})']) {
      const running = run(js, code);
      await new Promise((r) => setTimeout(r, 200));
      js.interrupt();
      const error = (await running).find((o) => o.type === 'error');
      assert.equal(error?.type === 'error' && error.name, 'KeyboardInterrupt', code);
    }
    assert.equal(text(await run(js, 'greeting')), "'hi'");
  });

  it('strips TypeScript types in a typescript kernel', async () => {
    assert.equal(text(await run(ts, 'interface P { n: number }\nconst p: P = { n: 2 }; p.n * 21')), '42');
    assert.equal(text(await run(ts, 'enum Color { Red, Green }\nColor.Green')), '1');
  });

  it('rejects executions once the process died', async () => {
    const doomed = await startKernel(dir);
    const running = run(doomed, 'process.kill(process.pid, "SIGKILL")');
    await assert.rejects(running, { name: 'KernelDiedError' });
    await assert.rejects(run(doomed, '1'), { name: 'KernelDiedError' });
  });
});
