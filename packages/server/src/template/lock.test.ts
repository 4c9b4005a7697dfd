import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireBuildLock, isLockHolderAlive, lockOwnerId, processStartTime } from './lock.js';

describe('build lock', () => {
  let dir: string;
  let sleeper: ChildProcess;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'soulbox-lock-'));
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  });

  after(() => {
    sleeper.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const lockPath = (name: string) => path.join(dir, `.${name}.lock`);

  it('identifies holders by pid and start time', () => {
    assert.ok(processStartTime(process.pid));
    assert.equal(isLockHolderAlive(lockOwnerId()), true);
    assert.equal(isLockHolderAlive(`${process.pid} 1`), false, 'a recycled pid has another start time');
    assert.equal(isLockHolderAlive('999999999 1'), false);
    assert.equal(isLockHolderAlive('garbage'), false);
  });

  it('creates the lock with our pid and removes it on release', async () => {
    const lock = await acquireBuildLock(lockPath('a'));
    assert.equal(readFileSync(lockPath('a'), 'utf8').trim(), lockOwnerId());
    await lock.release();
    assert.equal(existsSync(lockPath('a')), false);
  });

  it('makes a second taker wait until the first releases', async () => {
    const first = await acquireBuildLock(lockPath('b'));
    let waited = false;
    const second = acquireBuildLock(lockPath('b'), { pollMs: 20, onWait: () => (waited = true) });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(waited, true);
    await first.release();
    const lock = await second;
    await lock.release();
  });

  it('breaks a lock whose holder is dead', async () => {
    writeFileSync(lockPath('c'), '999999999 12345\n');
    const lock = await acquireBuildLock(lockPath('c'), { pollMs: 20 });
    assert.equal(readFileSync(lockPath('c'), 'utf8').trim(), lockOwnerId());
    await lock.release();
  });

  it('breaks an empty lock only once it is old', async () => {
    writeFileSync(lockPath('d'), '');
    const controller = new AbortController();
    const waiting = acquireBuildLock(lockPath('d'), { pollMs: 20, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath('d'), old, old);
    const lock = await acquireBuildLock(lockPath('d'), { pollMs: 20 });
    await lock.release();
  });

  it('waits for a live holder in another process, abortably', async () => {
    assert.ok(sleeper.pid);
    writeFileSync(lockPath('e'), `${lockOwnerId(sleeper.pid)}\n`);
    const controller = new AbortController();
    let holder = '';
    const waiting = acquireBuildLock(lockPath('e'), {
      pollMs: 20,
      signal: controller.signal,
      onWait: (h) => (holder = h),
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.match(holder, new RegExp(`^${sleeper.pid} `));
    controller.abort(new Error('cancelled'));
    await assert.rejects(waiting, /cancelled/);
    assert.ok(existsSync(lockPath('e')), "a live holder's lock is left alone");
  });

  it('lets only one of many racing takers break a stale lock', async () => {
    writeFileSync(lockPath('f'), '999999999 12345\n');
    let holders = 0;
    let maxHolders = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const lock = await acquireBuildLock(lockPath('f'), { pollMs: 5 });
        holders += 1;
        maxHolders = Math.max(maxHolders, holders);
        await new Promise((r) => setTimeout(r, 10));
        holders -= 1;
        await lock.release();
      }),
    );
    assert.equal(maxHolders, 1);
  });
});
