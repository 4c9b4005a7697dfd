import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../log/logger.js';
import { type EnvdNative, loadNative } from '../native/envd-native.js';
import { ensureNativeBuilt, waitFor } from '../testing/envd-fixture.js';
import { startZombieReaper, type ZombieReaper } from './zombie-reaper.js';

const exists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('zombie reaper', () => {
  let native: EnvdNative;
  let reaper: ZombieReaper;
  const owned = new Set<number>();

  before(() => {
    native = loadNative(ensureNativeBuilt());
    // As a child subreaper this test process inherits orphans the way PID 1 does.
    native.setChildSubreaper();
    reaper = startZombieReaper({
      native,
      ownsPid: (pid) => owned.has(pid),
      logger: silentLogger,
      intervalMs: 200,
    });
  });
  after(() => reaper.stop());

  it('reaps orphans re-parented to it', async () => {
    // The shell exits at once; its background sleep becomes our orphan, then a zombie.
    const orphan = Number(
      execFileSync('sh', ['-c', 'sleep 0.2 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' }),
    );
    assert.ok(orphan > 0);
    await waitFor(() => !exists(orphan), 5000, `orphan ${orphan} to be reaped`);
  });

  it('leaves the exit status of its own children to libuv', async () => {
    for (let i = 0; i < 5; i++) {
      const child = spawn('sh', ['-c', 'exit 7']);
      if (child.pid) owned.add(child.pid);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      if (child.pid) owned.delete(child.pid);
      assert.equal(code, 7);
    }
  });

  it('waitpid is per pid and reports the status', () => {
    assert.throws(() => native.waitpid(process.pid), /ECHILD/);
    assert.throws(() => native.waitpid(0), TypeError);
  });
});
