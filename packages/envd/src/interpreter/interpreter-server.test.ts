import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EnvdError } from '../errors/envd-error.js';
import type { ContextInfo, Contexts, ExecuteRequest } from './contexts.js';
import { createInterpreterHandler } from './interpreter-server.js';
import type { KernelOutput } from './kernel.js';

const PY: ContextInfo = { id: 'py', language: 'python', cwd: '/home/user' };
const BROKEN: ContextInfo = { id: 'broken', language: 'r', cwd: '/home/user' };

/** Contexts double: `hang` runs until the request is aborted; the rest prints and returns 2. */
function fakeContexts(aborted: string[]): Contexts {
  const known = new Map([PY, BROKEN].map((c) => [c.id, c]));
  const get = (id: string) => {
    const c = known.get(id);
    if (!c) throw new EnvdError('NOT_FOUND', `Context ${id} not found`);
    return c;
  };
  return {
    list: () => [PY],
    create: async (language, cwd) => ({
      id: 'new',
      language: language === 'js' ? 'javascript' : 'python',
      cwd: cwd ?? '/home/user',
    }),
    get,
    forLanguage: async () => PY,
    whenReady: async (id) => {
      if (id === 'broken') throw new EnvdError('INTERNAL', 'could not start the r kernel');
    },
    async execute(id, req: ExecuteRequest, onOutput: (o: KernelOutput) => void) {
      get(id);
      onOutput({ type: 'execution_count', count: 1 });
      if (req.code === 'hang') {
        await new Promise<void>((resolve) => req.signal.addEventListener('abort', () => resolve()));
        aborted.push(id);
        return;
      }
      onOutput({ type: 'stdout', text: `env=${JSON.stringify(req.envVars)}\n` });
      onOutput({ type: 'result', bundle: { 'text/plain': '2' }, isMain: true });
    },
    restart: async (id) => void get(id),
    remove: async (id) => void get(id),
    close: async () => {},
  };
}

describe('code interpreter HTTP API', () => {
  let server: Server;
  let base: string;
  const aborted: string[] = [];
  before(async () => {
    server = createServer(
      createInterpreterHandler(fakeContexts(aborted), { info() {}, warn() {}, error() {} }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers /health with the JSON string "OK"', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.json(), 'OK');
  });

  it('streams an execution as newline-terminated JSON lines ending with end_of_execution', async () => {
    const res = await post('/execute', { code: '1+1', env_vars: { A: '1' } });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(text.endsWith('\n') && !text.includes('\n\n'));
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => l.type),
      ['number_of_executions', 'stdout', 'result', 'end_of_execution'],
    );
    assert.equal(lines[1]?.text, 'env={"A":"1"}\n');
    assert.deepEqual(lines[2], { type: 'result', text: '2', is_main_result: true });
  });

  it('refuses bad bodies with plain-text 400/404/500 like upstream', async () => {
    const both = await post('/execute', { code: '1', context_id: 'py', language: 'python' });
    assert.equal(both.status, 400);
    assert.match(await both.text(), /context_id or language/);
    assert.equal((await post('/execute', { context_id: 'py' })).status, 400, 'code is required');
    assert.equal((await post('/execute', { code: '1', env_vars: { A: 1 } })).status, 400);
    const unknown = await post('/execute', { code: '1', context_id: 'nope' });
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), 'Context nope not found');
    const broken = await post('/execute', { code: '1', context_id: 'broken' });
    assert.equal(broken.status, 500);
    assert.match(await broken.text(), /could not start/);
  });

  it('serves the contexts API', async () => {
    assert.deepEqual(await (await fetch(`${base}/contexts`)).json(), [PY]);
    assert.deepEqual(await (await post('/contexts', { language: 'js', cwd: '/tmp' })).json(), {
      id: 'new',
      language: 'javascript',
      cwd: '/tmp',
    });
    assert.equal((await post('/contexts/py/restart', {})).status, 200);
    assert.equal((await fetch(`${base}/contexts/py`, { method: 'DELETE' })).status, 200);
    assert.equal((await fetch(`${base}/contexts/nope`, { method: 'DELETE' })).status, 404);
  });

  it('aborts the execution when the client disconnects', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${base}/execute`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => {});
      req.once('error', reject);
      req.end(JSON.stringify({ code: 'hang' }));
    });
    for (let i = 0; i < 50 && aborted.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(aborted, ['py']);
  });
});
