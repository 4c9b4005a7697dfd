import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OutputMessage, Sandbox } from '@e2b/code-interpreter';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { rejection, sandboxHeaders, sleep } from '../helpers/sdk.js';

/**
 * `@e2b/code-interpreter` (pinned 2.8.0), unchanged, against SoulBox's code interpreter:
 * envd's port-49999 service on the `code-interpreter-v1` template (ipykernel for python,
 * IRkernel for r, envd's Node kernel for javascript/typescript). One sandbox serves most
 * tests, so they run in order and build on each other's state where they say so.
 */
describe('code interpreter (@e2b/code-interpreter)', { timeout: 600_000 }, () => {
  let t: TestServer;
  let sbx: Sandbox;
  const opts = () => ({ apiKey: t.sdk.apiKey, apiUrl: t.sdk.apiUrl, sandboxUrl: t.sdk.sandboxUrl });

  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
    // The first create builds the template when it is missing (minutes).
    await t.server.templates.ensure('code-interpreter-v1');
    sbx = await Sandbox.create({ ...opts(), envs: { SANDBOX_WIDE: 'from-create' }, timeoutMs: 600_000 });
  });
  after(() => t?.close());

  it('keeps state across cells and shows the last expression as text', async () => {
    const first = await sbx.runCode('x = 1; x');
    assert.equal(first.text, '1');
    assert.equal(first.error, undefined);
    const second = await sbx.runCode('x += 1; x');
    assert.equal(second.text, '2');
    assert.ok(second.executionCount && second.executionCount > (first.executionCount ?? 0));
    assert.equal((await sbx.runCode("'supertest'")).text, 'supertest', 'one pair of quotes is removed');
  });

  it('streams stdout and stderr to the callbacks in order', async () => {
    const seen: string[] = [];
    const execution = await sbx.runCode(
      'import sys\nprint("a", flush=True)\nprint("b", file=sys.stderr, flush=True)\nprint("c", flush=True)',
      {
        onStdout: (m: OutputMessage) => void seen.push(`out:${m.line}`),
        onStderr: (m: OutputMessage) => void seen.push(`err:${m.line}`),
      },
    );
    assert.deepEqual(seen, ['out:a\n', 'err:b\n', 'out:c\n']);
    assert.deepEqual(execution.logs, { stdout: ['a\n', 'c\n'], stderr: ['b\n'] });
  });

  it('reports a NameError with its traceback', async () => {
    const execution = await sbx.runCode('undefined_name + 1');
    assert.equal(execution.error?.name, 'NameError');
    assert.equal(execution.error?.value, "name 'undefined_name' is not defined");
    assert.match(execution.error?.traceback ?? '', /NameError/);
    assert.equal(execution.results.length, 0);
  });

  it('returns a matplotlib figure as png and text', async () => {
    const execution = await sbx.runCode(
      'import matplotlib.pyplot as plt\nimport numpy as np\nx2 = np.linspace(0, 20, 100)\nplt.plot(x2, np.sin(x2))\nplt.show()',
    );
    assert.equal(execution.error, undefined, execution.error?.traceback);
    const [image] = execution.results;
    assert.ok(image?.png, 'a png');
    assert.ok(Buffer.from(image.png, 'base64').subarray(1, 4).toString() === 'PNG');
    assert.match(image.text ?? '', /Figure/);
    assert.deepEqual(image.extra, {});
    assert.equal(image.isMainResult, false);
  });

  it('returns a pandas DataFrame as html, text and data', async () => {
    const execution = await sbx.runCode('import pandas as pd\npd.DataFrame({"a": [1, 2], "b": ["x", "y"]})');
    assert.equal(execution.error, undefined, execution.error?.traceback);
    const [table] = execution.results;
    assert.ok(table?.isMainResult);
    assert.match(table.html ?? '', /<table/);
    assert.match(table.text ?? '', /a\s+b/);
    assert.deepEqual(table.data, { a: [1, 2], b: ['x', 'y'] });
  });

  it('sets env vars for one execution only, over the sandbox-wide ones', async () => {
    const code = 'import os\nprint(os.environ.get("PER_RUN"), os.environ.get("SANDBOX_WIDE"))';
    const withVars = await sbx.runCode(code, { envs: { PER_RUN: 'yes', SANDBOX_WIDE: 'overridden' } });
    assert.deepEqual(withVars.logs.stdout, ['yes overridden\n']);
    const after = await sbx.runCode(code);
    assert.deepEqual(after.logs.stdout, ['None from-create\n']);
  });

  it('keeps contexts independent, each with its own cwd and language', async () => {
    const listed = await sbx.listCodeContexts();
    const languages = listed.map((c) => c.language);
    assert.ok(languages.includes('python') && languages.includes('javascript'), languages.join());
    assert.ok(listed.every((c) => c.cwd === '/home/user'));

    const ctx = await sbx.createCodeContext({ cwd: '/tmp' });
    assert.equal(ctx.language, 'python');
    assert.equal(ctx.cwd, '/tmp');
    assert.equal((await sbx.runCode('import os; os.getcwd()', { context: ctx })).text, '/tmp');
    assert.equal((await sbx.runCode('import os; os.getcwd()')).text, '/home/user');
    assert.equal((await sbx.runCode('x = 100; x', { context: ctx })).text, '100');
    assert.equal((await sbx.runCode('x')).text, '2', 'the default context kept its own x');
    assert.ok((await sbx.listCodeContexts()).some((c) => c.id === ctx.id));
    await sbx.removeCodeContext(ctx);
    assert.ok(!(await sbx.listCodeContexts()).some((c) => c.id === ctx.id));
    // requestTimeoutMs 0: the SDK leaves its request timer running when it throws on a 404,
    // which would hold this test process open for a minute.
    const gone = await rejection(sbx.runCode('1', { context: ctx, requestTimeoutMs: 0 }));
    assert.match(gone.message, /not found/);
  });

  it('runs JavaScript and TypeScript with state, top-level await and console output', async () => {
    const js = await sbx.runCode('const y = await Promise.resolve(41); console.log("hi"); y + 1', {
      language: 'js',
    });
    assert.equal(js.error, undefined, js.error?.traceback);
    assert.equal(js.text, '42');
    assert.deepEqual(js.logs.stdout, ['hi\n']);
    assert.equal((await sbx.runCode('y * 2', { language: 'javascript' })).text, '82');
    const ts = await sbx.runCode('const n: number = 3; const s: string = "a"; s.repeat(n)', {
      language: 'ts',
    });
    assert.equal(ts.error, undefined, ts.error?.traceback);
    assert.equal(ts.text, 'aaa');
    const err = await sbx.runCode('nope()', { language: 'js' });
    assert.equal(err.error?.name, 'ReferenceError');
  });

  it('runs R on IRkernel', async () => {
    const r = await sbx.runCode('v <- c(1, 2, 3)\nsum(v)', { language: 'r' });
    assert.equal(r.error, undefined, r.error?.traceback);
    // IRkernel publishes values as display_data, so they are results but not the main one.
    assert.equal(r.results[0]?.text, '[1] 6');
  });

  it('restart clears the state of a context', async () => {
    const ctx = await sbx.createCodeContext({ language: 'python' });
    await sbx.runCode('kept = 1', { context: ctx });
    assert.equal((await sbx.runCode('kept', { context: ctx })).text, '1');
    await sbx.restartCodeContext(ctx);
    const after = await sbx.runCode('kept', { context: ctx });
    assert.equal(after.error?.name, 'NameError');
    await sbx.removeCodeContext(ctx);
  });

  it('interrupts a cell when the client times out; the next cell runs', async () => {
    const started = Date.now();
    const err = await rejection(sbx.runCode('import time\ntime.sleep(300)', { timeoutMs: 1500 }));
    assert.equal(err.name, 'TimeoutError');
    assert.ok(Date.now() - started < 20_000);
    const next = await sbx.runCode('x', { timeoutMs: 10_000 });
    assert.equal(next.text, '2', `interrupted, not restarted: ${JSON.stringify(next.toJSON())}`);

    await rejection(sbx.runCode('while (true) {}', { language: 'js', timeoutMs: 1500 }));
    assert.equal((await sbx.runCode('y', { language: 'js', timeoutMs: 10_000 })).text, '41');
  });

  it('reports a crashed kernel and restarts it', async () => {
    const ctx = await sbx.createCodeContext();
    const crash = await sbx.runCode('import os, signal; os.kill(os.getpid(), signal.SIGKILL)', {
      context: ctx,
    });
    assert.equal(crash.error?.name, 'DeadKernelError');
    assert.equal((await sbx.runCode('1 + 1', { context: ctx })).text, '2');
    await sbx.removeCodeContext(ctx);
  });

  it('survives an output too large for one message, and says it was dropped', async () => {
    const huge = await sbx.runCode("print('x' * (20 * 2**20))");
    assert.match(huge.logs.stderr.join(''), /was dropped/);
    assert.equal((await sbx.runCode('x')).text, '2');
  });

  it('answers bad requests like upstream: 400 for context and language, 404 for unknown contexts', async () => {
    // `/execute` is code execution: like the SDK, send the sandbox's access token.
    const token = (sbx as unknown as { envdAccessToken: string }).envdAccessToken;
    const post = (body: unknown, withToken = true) =>
      fetch(`${t.url}/execute`, {
        method: 'POST',
        headers: {
          ...sandboxHeaders(sbx.sandboxId, 49999),
          'Content-Type': 'application/json',
          ...(withToken ? { 'X-Access-Token': token } : {}),
        },
        body: JSON.stringify(body),
      });
    const anonymous = await post({ code: 'print(1)' }, false);
    assert.equal(anonymous.status, 401, 'no code runs without the access token');
    await anonymous.text();
    const both = await post({ code: '1', context_id: 'x', language: 'python' });
    assert.equal(both.status, 400);
    await both.text();
    const unknown = await post({ code: '1', context_id: 'nope' });
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), 'Context nope not found');
    const health = await fetch(`${t.url}/health`, { headers: sandboxHeaders(sbx.sandboxId, 49999) });
    assert.equal(await health.json(), 'OK');
    const lines = (await (await post({ code: 'print(1); 2' })).text()).split('\n');
    assert.equal(lines.at(-1), '', 'every line ends with a newline');
    assert.deepEqual(
      lines.slice(0, -1).map((l) => (JSON.parse(l) as { type: string }).type),
      ['number_of_executions', 'stdout', 'result', 'end_of_execution'],
    );
  });

  it('continues after Sandbox.connect', async () => {
    const again = await Sandbox.connect(sbx.sandboxId, opts());
    assert.equal((await again.runCode('x')).text, '2');
  });

  it('fails an execution with the killed-sandbox error when the sandbox is killed', async () => {
    const victim = await Sandbox.create({ ...opts(), timeoutMs: 120_000 });
    try {
      let started: () => void = () => {};
      const printed = new Promise<void>((resolve) => {
        started = resolve;
      });
      const running = rejection(
        victim.runCode('import time\nprint("started", flush=True)\ntime.sleep(60)', {
          onStdout: () => started(),
        }),
      );
      await printed;
      await sleep(200);
      assert.equal(await Sandbox.kill(victim.sandboxId, opts()), true);
      const err = await running;
      assert.match(err.message, /sandbox was killed/);
    } finally {
      await Sandbox.kill(victim.sandboxId, opts()).catch(() => false);
    }
  });
});
