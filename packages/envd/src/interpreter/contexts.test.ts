import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnvdConfig } from '../config/envd-config.js';
import { EnvdError } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';
import { createSandboxState } from '../state/sandbox-state.js';
import { TEST_HOST_SECRET } from '../testing/envd-fixture.js';
import { createContexts } from './contexts.js';
import type { Kernel, KernelExit, KernelOutput } from './kernel.js';
import { KernelDiedError } from './kernel.js';
import type { LaunchKernel } from './kernel-launcher.js';

const quiet: Logger = { info() {}, warn() {}, error() {} };

/** A kernel double: `sleep` runs until interrupted (or forever with `stubborn`), `crash` dies. */
class FakeKernel implements Kernel {
  static nextPid = 100;
  readonly pid = FakeKernel.nextPid++;
  readonly env = new Map<string, string>();
  readonly codes: string[] = [];
  interrupts = 0;
  stubborn = false;
  readonly exited: Promise<KernelExit>;
  #die!: (exit: KernelExit) => void;
  #wake: (() => void) | undefined;
  #count = 0;

  constructor(
    readonly language: string,
    readonly cwd: string,
    readonly raw: (stream: 'stdout' | 'stderr', text: string) => void,
  ) {
    this.exited = new Promise((resolve) => {
      this.#die = resolve;
    });
  }

  async execute(code: string, onOutput: (o: KernelOutput) => void): Promise<void> {
    this.codes.push(code);
    onOutput({ type: 'execution_count', count: ++this.#count });
    const died = this.exited.then((exit) => {
      throw new KernelDiedError(exit);
    });
    // Only awaited by some branches; a later death must not be an unhandled rejection.
    died.catch(() => {});
    if (code === 'crash') {
      this.die();
      await died;
    }
    if (code === 'sleep') {
      await Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), died]);
      onOutput({ type: 'error', name: 'KeyboardInterrupt', value: '', traceback: '' });
      return;
    }
    if (code.startsWith('env ')) {
      onOutput({ type: 'stdout', text: String(this.env.get(code.slice(4))) });
      return;
    }
    this.raw('stdout', 'raw\n');
    onOutput({ type: 'result', bundle: { 'text/plain': `${this.language}:${code}` }, isMain: true });
  }

  async setEnv(set: Readonly<Record<string, string>>, unset: readonly string[]): Promise<void> {
    for (const [k, v] of Object.entries(set)) this.env.set(k, v);
    for (const k of unset) this.env.delete(k);
  }

  interrupt(): void {
    this.interrupts++;
    if (!this.stubborn) this.#wake?.();
  }

  die(): void {
    this.#die({ code: null, signal: 'SIGKILL' });
  }

  async kill(): Promise<void> {
    this.die();
  }
}

function setup(interruptGraceMs = 5000) {
  const kernels: FakeKernel[] = [];
  const state = createSandboxState({
    config: parseEnvdConfig({
      sandboxId: 's',
      templateId: 't',
      hostSecret: TEST_HOST_SECRET,
      envVars: { GLOBAL: 'g' },
    }),
    pathEnv: '/bin',
  });
  const launch: LaunchKernel = async (language, cwd, raw) => {
    const k = new FakeKernel(language, cwd, raw);
    k.env.set('GLOBAL', 'g');
    kernels.push(k);
    return k;
  };
  const contexts = createContexts({ launch, state, logger: quiet, interruptGraceMs });
  const run = async (
    id: string,
    code: string,
    envVars: Record<string, string> = {},
    signal = new AbortController().signal,
  ) => {
    const out: KernelOutput[] = [];
    await contexts.execute(id, { code, envVars, signal }, (o) => out.push(o));
    return out;
  };
  return { kernels, state, contexts, run };
}

const lines = (out: KernelOutput[]) =>
  out.map((o) =>
    o.type === 'result'
      ? `result:${o.bundle['text/plain']}`
      : o.type === 'error'
        ? `error:${o.name}`
        : o.type === 'execution_count'
          ? `count:${o.count}`
          : `${o.type}:${o.text}`,
  );

describe('contexts', () => {
  it('starts python and javascript defaults in /home/user and finds defaults by language', async () => {
    const { contexts, kernels } = setup();
    assert.deepEqual(
      contexts.list().map((c) => [c.language, c.cwd]),
      [
        ['python', '/home/user'],
        ['javascript', '/home/user'],
      ],
    );
    const js = await contexts.forLanguage(' JS ');
    assert.equal(js.language, 'javascript');
    assert.equal((await contexts.forLanguage(undefined)).language, 'python');
    const ts = await contexts.forLanguage('ts');
    assert.equal(ts.language, 'typescript');
    assert.equal((await contexts.forLanguage('typescript')).id, ts.id, 'created once');
    await assert.rejects(contexts.forLanguage('cobol'), { code: 'INVALID_ARGUMENT' });
    await contexts.close();
    assert.ok(kernels.length >= 3);
  });

  it('runs cells one at a time per context, with the raw output of the kernel', async () => {
    const { contexts, run } = setup();
    const { id } = await contexts.create('python', '/tmp');
    const results = await Promise.all([run(id, 'a'), run(id, 'b')]);
    assert.deepEqual(results.map(lines), [
      ['count:1', 'stdout:raw\n', 'result:python:a'],
      ['count:2', 'stdout:raw\n', 'result:python:b'],
    ]);
    await assert.rejects(run('nope', 'x'), { code: 'NOT_FOUND', message: 'Context nope not found' });
    await contexts.close();
  });

  it('sets per-execution env vars, restores them, and pushes sandbox env changes', async () => {
    const { contexts, state, run, kernels } = setup();
    const { id } = await contexts.create('python', undefined);
    const kernel = kernels.at(-1) as FakeKernel;
    assert.deepEqual(lines(await run(id, 'env ONE', { ONE: '1', GLOBAL: 'over' })), ['count:1', 'stdout:1']);
    assert.equal(kernel.env.get('ONE'), undefined, 'removed after the cell');
    assert.equal(kernel.env.get('GLOBAL'), 'g', 'restored to the sandbox value');
    state.applyInit({ envVars: { CLAIMED: 'yes' } });
    assert.deepEqual(lines(await run(id, 'env CLAIMED')), ['count:2', 'stdout:yes']);
    await contexts.close();
  });

  it('interrupts the running cell when the client goes away', async () => {
    const { contexts, run, kernels } = setup();
    const { id } = await contexts.create('python', undefined);
    const abort = new AbortController();
    const running = run(id, 'sleep', {}, abort.signal);
    await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    assert.deepEqual(lines(await running), ['count:1', 'error:KeyboardInterrupt']);
    assert.equal(kernels.at(-1)?.interrupts, 1);
    assert.deepEqual(lines(await run(id, 'next')), ['count:2', 'stdout:raw\n', 'result:python:next']);
    await contexts.close();
  });

  it('replaces a kernel that ignores the interrupt', async () => {
    const { contexts, run, kernels } = setup(50);
    const { id } = await contexts.create('python', undefined);
    const stubborn = kernels.at(-1) as FakeKernel;
    stubborn.stubborn = true;
    const abort = new AbortController();
    const running = run(id, 'sleep', {}, abort.signal);
    await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    assert.deepEqual(lines(await running), ['count:1', 'error:DeadKernelError']);
    assert.notEqual(kernels.at(-1), stubborn);
    assert.deepEqual(lines(await run(id, 'next')), ['count:1', 'stdout:raw\n', 'result:python:next']);
    await contexts.close();
  });

  it('reports a kernel that dies during a cell, and one that died while idle', async () => {
    const { contexts, run, kernels } = setup();
    const { id } = await contexts.create('python', undefined);
    assert.deepEqual(lines(await run(id, 'crash')), ['count:1', 'error:DeadKernelError']);
    assert.deepEqual(lines(await run(id, 'after')), ['count:1', 'stdout:raw\n', 'result:python:after']);
    (kernels.at(-1) as FakeKernel).die();
    await new Promise((r) => setTimeout(r, 10));
    const out = lines(await run(id, 'later'));
    assert.match(out[0] ?? '', /^stderr:The python kernel died \(signal SIGKILL\) and was restarted/);
    assert.deepEqual(out.slice(1), ['count:1', 'stdout:raw\n', 'result:python:later']);
    await contexts.close();
  });

  it('restarts and removes contexts', async () => {
    const { contexts, run, kernels } = setup();
    const { id } = await contexts.create('javascript', undefined);
    const before = kernels.at(-1);
    await contexts.restart(id);
    assert.notEqual(kernels.at(-1), before);
    assert.deepEqual(lines(await run(id, 'x')), ['count:1', 'stdout:raw\n', 'result:javascript:x']);
    const python = await contexts.forLanguage('python');
    await contexts.remove(python.id);
    assert.ok(!contexts.list().some((c) => c.id === python.id));
    assert.notEqual((await contexts.forLanguage('python')).id, python.id, 'a new default on next use');
    await assert.rejects(contexts.remove(python.id), { code: 'NOT_FOUND' });
    await contexts.close();
  });
});

describe('contexts whose kernel cannot start', () => {
  it('report the failure, keep a bad cwd a 400, and try again on the next request', async () => {
    const state = createSandboxState({
      config: parseEnvdConfig({ sandboxId: 's', templateId: 't', hostSecret: TEST_HOST_SECRET }),
      pathEnv: '/bin',
    });
    let failures = 2;
    const launch: LaunchKernel = async (language, cwd, raw) => {
      if (cwd === '/missing') throw new EnvdError('INVALID_ARGUMENT', `cwd '${cwd}' does not exist`);
      if (language === 'python' && failures-- > 0) {
        raw('stderr', 'No module named ipykernel\n');
        throw new Error('the kernel died (exit code 1)');
      }
      return new FakeKernel(language, cwd, raw);
    };
    const contexts = createContexts({ launch, state, logger: quiet });
    const python = await contexts.forLanguage('python');
    await assert.rejects(contexts.create('python', '/missing'), { code: 'INVALID_ARGUMENT' });
    await assert.rejects(contexts.whenReady(python.id), (e: unknown) => {
      return e instanceof EnvdError && e.code === 'INTERNAL' && /No module named ipykernel/.test(e.message);
    });
    await contexts.whenReady(python.id);
    await contexts.close();
  });
});
