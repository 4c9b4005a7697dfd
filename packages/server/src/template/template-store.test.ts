import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildRootfsOptions } from './builder.js';
import { TemplateBuildError } from './errors.js';
import { lockOwnerId } from './lock.js';
import type { TemplateBuildProgress } from './progress.js';
import { recipeHash, resolveRecipe } from './recipe.js';
import { createTemplateStoreWith, type RootfsBuilder } from './template-store.js';

const BASE_HASH = (() => {
  const base = resolveRecipe('base');
  assert.ok(base);
  return recipeHash(base);
})();

/** A builder that writes a tiny rootfs; `gate` lets a test hold it mid-build. */
function fakeBuilder(opts: { gate?: Promise<void>; fail?: boolean } = {}) {
  const calls: BuildRootfsOptions[] = [];
  const builder: RootfsBuilder = async (o) => {
    calls.push(o);
    o.onProgress('debootstrap', 'pretending', 50);
    mkdirSync(path.join(o.rootfs, 'etc'), { recursive: true });
    writeFileSync(path.join(o.rootfs, 'etc/hostname'), 'soulbox\n');
    if (opts.gate) {
      await Promise.race([
        opts.gate,
        new Promise((_, reject) => o.signal?.addEventListener('abort', () => reject(o.signal?.reason))),
      ]);
    }
    if (opts.fail) {
      throw new TemplateBuildError('apt-get install failed', {
        template: o.recipe.name,
        phase: 'apt',
        exitCode: 100,
        outputTail: ['E: Unable to locate package nope'],
      });
    }
    return { sizeBytes: 4096 };
  };
  return { builder, calls };
}

describe('template store (fake builder)', () => {
  let dir: string;
  let progress: TemplateBuildProgress[];
  const open: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'soulbox-templates-'));
    progress = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(() => {
    for (const child of open) child.kill('SIGKILL');
  });

  const store = (builder: RootfsBuilder) =>
    createTemplateStoreWith({ templatesDir: dir, onProgress: (p) => progress.push(p) }, builder);

  const leftovers = () => readdirSync(dir).filter((e) => e.startsWith('.'));

  it('rejects unknown templates with TEMPLATE_NOT_FOUND', async () => {
    const s = store(fakeBuilder().builder);
    await assert.rejects(s.ensure('nope'), { code: 'TEMPLATE_NOT_FOUND' });
    await assert.rejects(s.ensure('../etc'), { code: 'TEMPLATE_NOT_FOUND' });
    assert.equal(s.get('nope'), undefined);
    assert.equal(s.known('nope'), false);
    assert.equal(s.known('base'), true);
  });

  it('validates its options', () => {
    const { builder } = fakeBuilder();
    assert.throws(() => createTemplateStoreWith({ templatesDir: 'relative' }, builder), /absolute/);
    assert.throws(
      () => createTemplateStoreWith({ templatesDir: dir, debianMirror: 'http://x\nevil' }, builder),
      /debianMirror/,
    );
  });

  it('builds into <dir>/<name>/<hash>, writes template.json, then serves the cache', async () => {
    const fake = fakeBuilder();
    const s = store(fake.builder);
    assert.equal(s.get('base'), undefined);
    const t = await s.ensure('base');
    assert.equal(t.name, 'base');
    assert.equal(t.hash, BASE_HASH);
    assert.equal(t.rootfsDir, path.join(dir, 'base', BASE_HASH, 'rootfs'));
    assert.equal(t.sizeBytes, 4096);
    const meta = JSON.parse(readFileSync(path.join(dir, 'base', BASE_HASH, 'template.json'), 'utf8'));
    assert.equal(meta.hash, BASE_HASH);
    assert.ok(meta.packages.includes('python3'));
    assert.deepEqual(leftovers(), [], 'no lock or build dir left');
    assert.deepEqual(
      progress.map((p) => p.phase),
      ['debootstrap', 'done'],
    );

    const again = await s.ensure('base');
    assert.deepEqual(again, t);
    const fresh = store(fake.builder);
    assert.deepEqual(await fresh.ensure('base'), t, 'a new store finds it on disk');
    assert.deepEqual(fresh.get('base'), t);
    assert.equal(fake.calls.length, 1);
  });

  it('shares one build between concurrent callers', async () => {
    const fake = fakeBuilder();
    const s = store(fake.builder);
    const [a, b, c] = await Promise.all([s.ensure('base'), s.ensure('base'), s.ensure('base')]);
    assert.equal(fake.calls.length, 1);
    assert.deepEqual(a, b);
    assert.deepEqual(b, c);
  });

  it('removes stale build dirs of the same template before building, and only those', async () => {
    mkdirSync(path.join(dir, '.build-base-Ab12Cd', 'rootfs'), { recursive: true });
    mkdirSync(path.join(dir, '.trash-base-Xy98Zz'), { recursive: true });
    mkdirSync(path.join(dir, '.build-base-ci-Ab12Cd'), { recursive: true });
    mkdirSync(path.join(dir, '.trash-base-ci-Ab12Cd'), { recursive: true });
    writeFileSync(path.join(dir, '.base.lock'), '999999999 1\n'); // holder is dead
    await store(fakeBuilder().builder).ensure('base');
    assert.deepEqual(
      leftovers(),
      ['.build-base-ci-Ab12Cd', '.trash-base-ci-Ab12Cd'],
      "other templates' dirs stay",
    );
  });

  it('leaves nothing behind when the build fails, and passes the error on', async () => {
    const s = store(fakeBuilder({ fail: true }).builder);
    const err = await s.ensure('base').then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TemplateBuildError);
    assert.equal(err.phase, 'apt');
    assert.equal(err.exitCode, 100);
    assert.match(err.message, /Unable to locate package/);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(progress.at(-1)?.phase, 'failed');
  });

  it('cancels the build when its only caller aborts; nothing counts as built', async () => {
    const s = store(fakeBuilder({ gate: new Promise(() => {}) }).builder);
    const controller = new AbortController();
    const building = s.ensure('base', { signal: controller.signal });
    await sleep(50);
    controller.abort();
    await assert.rejects(building, { name: 'AbortError' });
    assert.deepEqual(readdirSync(dir), [], 'torn down before ensure() settles');
    assert.equal(s.get('base'), undefined);
  });

  it('keeps building while another caller still waits', async () => {
    let open: () => void = () => {};
    const fake = fakeBuilder({ gate: new Promise<void>((r) => (open = r)) });
    const s = store(fake.builder);
    const controller = new AbortController();
    const leaving = s.ensure('base', { signal: controller.signal });
    const staying = s.ensure('base', { signal: new AbortController().signal });
    await sleep(20);
    controller.abort();
    await assert.rejects(leaving, { name: 'AbortError' });
    open();
    assert.equal((await staying).hash, BASE_HASH);
    assert.equal(fake.calls.length, 1);
  });

  it('waits for another process holding the lock and uses what it built', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    open.push(other);
    assert.ok(other.pid);
    writeFileSync(path.join(dir, '.base.lock'), `${lockOwnerId(other.pid)}\n`);
    const fake = fakeBuilder();
    const s = store(fake.builder);
    const waiting = s.ensure('base');
    await sleep(100);
    assert.equal(progress.at(-1)?.phase, 'wait');
    // The other process finishes: its template appears, then its lock goes.
    const built = path.join(dir, 'base', BASE_HASH);
    mkdirSync(path.join(built, 'rootfs'), { recursive: true });
    writeFileSync(
      path.join(built, 'template.json'),
      JSON.stringify({
        name: 'base',
        hash: BASE_HASH,
        builtAt: '2026-01-01T00:00:00.000Z',
        sizeBytes: 1,
        uidShift: 0,
      }),
    );
    rmSync(path.join(dir, '.base.lock'));
    const t = await waiting;
    assert.equal(t.builtAt, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(
      progress.map((p) => p.phase),
      ['wait', 'done'],
    );
    assert.equal(fake.calls.length, 0);
  });

  it('closes the templates dir to everyone but root (0700), also one made by an older version', () => {
    chmodSync(dir, 0o755);
    store(fakeBuilder().builder);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const fresh = path.join(dir, 'new', 'templates');
    createTemplateStoreWith({ templatesDir: fresh }, fakeBuilder().builder);
    assert.equal(statSync(fresh).mode & 0o777, 0o700);
  });

  it('ignores builds whose owners an older version shifted, and builds afresh', async () => {
    const shifted = path.join(dir, 'base', BASE_HASH);
    mkdirSync(path.join(shifted, 'rootfs'), { recursive: true });
    const meta = { name: 'base', hash: BASE_HASH, builtAt: '2020-01-01T00:00:00.000Z', sizeBytes: 1 };
    writeFileSync(path.join(shifted, 'template.json'), JSON.stringify({ ...meta, uidShift: 100000 }));
    const fake = fakeBuilder();
    const s = store(fake.builder);
    assert.equal(s.get('base'), undefined);
    assert.deepEqual(s.list(), []);
    const custom = path.join(dir, 'mine', 'b'.repeat(64));
    mkdirSync(path.join(custom, 'rootfs'), { recursive: true });
    writeFileSync(
      path.join(custom, 'template.json'),
      JSON.stringify({ ...meta, name: 'mine', uidShift: 100000 }),
    );
    assert.equal(s.known('mine'), false, 'a shifted Dockerfile build must be rebuilt');
    const t = await s.ensure('base');
    assert.equal(fake.calls.length, 1);
    assert.notEqual(t.builtAt, meta.builtAt);
  });

  it('refuses to remove a build a sandbox uses as its lower layer', async () => {
    const seen: string[] = [];
    const s = createTemplateStoreWith(
      {
        templatesDir: dir,
        sandboxUsing: (d) => {
          seen.push(d);
          return 'sbx123';
        },
      },
      fakeBuilder().builder,
    );
    const t = await s.ensure('base');
    await assert.rejects(s.remove('base', t.hash), {
      code: 'TEMPLATE_IN_USE',
      message: /still used by sandbox sbx123/,
    });
    assert.deepEqual(seen, [path.join(dir, 'base', t.hash)]);
    assert.ok(existsSync(t.rootfsDir));
  });

  it('lists every build on disk and removes one', async () => {
    const s = store(fakeBuilder().builder);
    const current = await s.ensure('base');
    const oldHash = 'a'.repeat(64);
    mkdirSync(path.join(dir, 'base', oldHash, 'rootfs'), { recursive: true });
    writeFileSync(
      path.join(dir, 'base', oldHash, 'template.json'),
      JSON.stringify({
        name: 'base',
        hash: oldHash,
        builtAt: '2020-01-01T00:00:00.000Z',
        sizeBytes: 1,
        uidShift: 0,
      }),
    );
    mkdirSync(path.join(dir, 'base', 'not-a-hash'));
    assert.deepEqual(
      s.list().map((t) => t.hash),
      [oldHash, current.hash],
    );
    await s.remove('base', oldHash);
    await s.remove('base', oldHash); // idempotent
    assert.deepEqual(
      s.list().map((t) => t.hash),
      [current.hash],
    );
    assert.deepEqual(leftovers(), []);
    await assert.rejects(s.remove('..', oldHash), { code: 'TEMPLATE_NOT_FOUND' });
    await assert.rejects(s.remove('base', '../../etc'), { code: 'TEMPLATE_NOT_FOUND' });
    await s.remove('base', current.hash);
    assert.equal(s.get('base'), undefined);
    assert.equal(existsSync(current.rootfsDir), false);
  });
});
