import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sandbox } from 'e2b';
import { sh, startTestServer, type TestServer } from '../helpers/harness.js';

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = (t: TestServer) =>
  t.server.sandboxes.pool.levels().find((l) => l.templateId === 'base')?.ready ?? 0;

/** Every path in a directory tree, relative and sorted. */
function tree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...tree(dir, p));
  }
  return out.sort();
}

/**
 * What a fresh sandbox holds beyond its template: the writable layer (every file created,
 * changed or deleted since start is there), its processes and its environment.
 */
async function fingerprint(t: TestServer, id: string) {
  const files = tree(t.server.runtime.paths(id).upper).join('\n');
  // The measuring pipeline itself (bash, ps, grep, sort, uniq) races with ps, so it is left out.
  const procs = (await sh(t, id, "ps -e -o comm= | grep -vxE 'bash|ps|grep|sort|uniq' | sort | uniq -c"))
    .stdout;
  const env = (await sh(t, id, 'env | cut -d= -f1 | sort')).stdout;
  return { files, procs, env };
}

describe('warm pool', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ pool: { templates: { base: { min: 2, max: 2 } } } });
  });
  after(() => t?.close());

  it('hands out a pooled sandbox that is as clean as a cold one', async () => {
    await until('the pool to fill', () => ready(t) === 2);
    const hits = t.server.sandboxes.pool.hits;
    const warm = await Sandbox.create({ ...t.sdk, envs: { ONLY_MINE: 'yes' }, metadata: { who: 'warm' } });
    try {
      assert.equal(t.server.sandboxes.pool.hits, hits + 1, 'the create was served from the pool');
      const cold = await Sandbox.create({
        ...t.sdk,
        envs: { ONLY_MINE: 'yes' },
        metadata: { who: 'cold' },
        timeoutMs: 60_000,
      });
      try {
        const [w, c] = await Promise.all([fingerprint(t, warm.sandboxId), fingerprint(t, cold.sandboxId)]);
        assert.equal(w.files, c.files, 'no files from the pool start');
        assert.equal(w.procs, c.procs, 'no processes from the pool start');
        assert.equal(w.env, c.env, 'no environment from the pool start');
        assert.equal((await warm.commands.run('echo $ONLY_MINE')).stdout.trim(), 'yes');
        assert.equal((await warm.getInfo()).metadata.who, 'warm');
      } finally {
        await cold.kill();
      }
    } finally {
      await warm.kill();
    }
  });

  it('refills after a burst', async () => {
    await until('the pool to fill', () => ready(t) === 2);
    const hits = t.server.sandboxes.pool.hits;
    const burst = await Promise.all([0, 1, 2].map(() => Sandbox.create({ ...t.sdk })));
    try {
      assert.equal(t.server.sandboxes.pool.hits - hits, 2, 'two creates were warm, one cold');
      await until('the pool to refill', () => ready(t) === 2);
    } finally {
      await Promise.all(burst.map((s) => s.kill()));
    }
  });

  it('gives each pooled sandbox a fresh access token', async () => {
    await until('the pool to fill', () => ready(t) === 2);
    const a = await Sandbox.create({ ...t.sdk });
    try {
      const detail = t.server.sandboxes.get(a.sandboxId);
      assert.ok(detail.accessToken && detail.accessToken.length === 64);
      const res = await fetch(`${t.url}/process.Process/List`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'e2b-sandbox-id': a.sandboxId,
          'e2b-sandbox-port': '49983',
        },
        body: '{}',
      });
      assert.equal(res.status, 401, 'envd needs the new token');
    } finally {
      await a.kill();
    }
  });

  it('reports pool and create metrics', async () => {
    const res = await fetch(`${t.url}/metrics`, { headers: { 'x-api-key': t.apiKey } });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /soulbox_sandbox_create_seconds_count\{path="warm"\} [1-9]/);
    assert.match(text, /soulbox_sandbox_create_seconds_count\{path="cold"\} [1-9]/);
    assert.match(text, /soulbox_pool_sandboxes\{template="base",network="bridge",phase="ready"\}/);
    assert.match(text, /soulbox_pool_requests\{result="hit"\} [1-9]/);
    assert.match(text, /soulbox_sandboxes\{state="pooled"\}/);
    assert.match(
      text,
      /soulbox_api_request_seconds_count\{method="POST",route="\/v2\/sandboxes",status="201"\}/,
    );
    const anon = await fetch(`${t.url}/metrics`);
    assert.equal(anon.status, 401);
  });
});

describe('admission', () => {
  let t: TestServer;
  before(async () => {
    // Two cores, no overcommit, no pool: exactly two 1-vCPU sandboxes fit.
    t = await startTestServer({
      pool: { enabled: false },
      admission: { cpuOvercommit: 1, memoryOvercommit: 1 },
    });
  });
  after(() => t?.close());

  it('refuses a create when the node is full and accepts again after a kill', async () => {
    const create = () =>
      t.server.sandboxes.create({
        templateId: 'base',
        tenantId: 'default',
        secure: true,
        networkMode: 'bridge',
        autoPause: false,
        cpuCount: 1,
        memoryMiB: 256,
      });
    const a = await create();
    const b = await create();
    await assert.rejects(
      create(),
      (err: Error & { code?: string }) => err.code === 'NODE_FULL' && /vCPUs/.test(err.message),
    );
    const res = await fetch(`${t.url}/v2/sandboxes`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ templateID: 'base', cpuCount: 1, memoryMB: 256 }),
    });
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { message: string }).message, /node full/);
    await t.server.sandboxes.kill(a.id);
    const c = await create();
    await Promise.all([t.server.sandboxes.kill(b.id), t.server.sandboxes.kill(c.id)]);
  });

  it('reserves memory and more CPU weight for guaranteed sandboxes', async () => {
    const g = await t.server.sandboxes.create({
      templateId: 'base',
      tenantId: 'default',
      secure: true,
      networkMode: 'bridge',
      autoPause: false,
      cpuCount: 1,
      memoryMiB: 256,
      qos: 'guaranteed',
    });
    try {
      const cg = await sh(
        t,
        g.id,
        'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/memory/memory.soft_limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/memory.low',
      );
      const [shares, reserved] = cg.stdout.trim().split('\n').map(Number);
      assert.ok(shares === 2048 || (shares ?? 0) > 100, `CPU weight raised (${shares})`);
      assert.equal(reserved, 256 * 1024 * 1024);
    } finally {
      await t.server.sandboxes.kill(g.id);
    }
  });
});
