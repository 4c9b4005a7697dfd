import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSandbox, sh, startTestServer, type TestServer } from '../helpers/harness.js';

async function post(t: TestServer, path: string, body: unknown) {
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { code?: number; message?: string; error_code?: string },
  };
}

describe('lifecycle and bad input', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
  });
  after(() => t?.close());

  it('pauses instead of killing at the timeout with autoPause, keeping memory', async () => {
    const s = await createSandbox(t, { autoPause: true, timeoutS: 2 });
    await sh(t, s.id, 'echo kept > /dev/shm/in-memory');
    const deadline = Date.now() + 15_000;
    while (t.server.sandboxes.get(s.id).state !== 'paused') {
      assert.ok(Date.now() < deadline, 'the sandbox paused at its timeout');
      await new Promise((r) => setTimeout(r, 200));
    }
    const { resumed } = await t.server.sandboxes.connect(s.id, 60);
    assert.equal(resumed, true);
    assert.equal((await sh(t, s.id, 'cat /dev/shm/in-memory')).stdout.trim(), 'kept');
    await t.server.sandboxes.kill(s.id);
  });

  it('answers an unknown template with 404 TEMPLATE_NOT_FOUND', async () => {
    const r = await post(t, '/v2/sandboxes', { templateID: 'no-such-template' });
    assert.equal(r.status, 404);
    assert.equal(r.body.error_code, 'TEMPLATE_NOT_FOUND');
    assert.equal(r.body.code, 404);
  });

  it('refuses negative and absurd limits with 400, naming the field', async () => {
    for (const [field, value] of [
      ['cpuCount', -1],
      ['cpuCount', 10_000],
      ['memoryMB', 1],
      ['memoryMB', 10_000_000],
      ['diskSizeMB', 0],
      ['timeout', -5],
      ['timeout', 'soon'],
    ] as const) {
      const r = await post(t, '/v2/sandboxes', { templateID: 'base', [field]: value });
      assert.equal(r.status, 400, `${field}=${value}`);
      assert.match(r.body.message ?? '', new RegExp(field === 'timeout' ? 'timeout' : field));
    }
    const list = await fetch(`${t.url}/v2/sandboxes`, { headers: { 'x-api-key': t.apiKey } });
    assert.deepEqual(await list.json(), [], 'no sandbox was created by a refused request');
  });

  it('reports a command that does not exist with exit code 127', async () => {
    const s = await createSandbox(t);
    const r = await sh(t, s.id, 'no-such-command --flag', { allowFailure: true });
    assert.equal(r.exitCode, 127);
    assert.match(r.stderr, /command not found/);
    await t.server.sandboxes.kill(s.id);
  });

  it('survives malformed requests of every kind', async () => {
    const bodies = [
      '{',
      '[]',
      'null',
      '"x"',
      '{"templateID": 5}',
      '{"templateID":"base","metadata":{"a":1}}',
    ];
    for (const b of bodies) {
      const res = await fetch(`${t.url}/v2/sandboxes`, {
        method: 'POST',
        headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
        body: b,
      });
      assert.equal(res.status, 400, b);
    }
    const odd = await fetch(`${t.url}/sandboxes/..%2F..%2Fetc`, { headers: { 'x-api-key': t.apiKey } });
    assert.equal(odd.status, 404);
    const health = await fetch(`${t.url}/health`);
    assert.equal(health.status, 200, 'the server lives on');
  });
});
