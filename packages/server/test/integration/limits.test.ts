import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSandbox, sh, startTestServer, type TestServer } from '../helpers/harness.js';

describe('resource limits', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ sandbox: { pidsLimit: 128 } });
  });
  after(() => t?.close());

  it('OOM-kills a memory hog inside the sandbox; sandbox and server live on', async () => {
    const s = await createSandbox(t, { memoryMiB: 128 });
    const hog = await sh(t, s.id, `python3 -c "b = b'x' * (512 * 1024 * 1024); print(len(b))"`, {
      allowFailure: true,
    });
    // Killed by a signal: E2B reports exitCode -1 ("signal: killed"); through a shell, 137.
    assert.ok(
      hog.exitCode === -1 || hog.exitCode === 137,
      `killed by SIGKILL (OOM), got ${hog.exitCode}: ${hog.stderr}`,
    );
    assert.equal((await sh(t, s.id, 'echo alive')).stdout.trim(), 'alive');
    assert.ok(t.server.sandboxes.find(s.id), 'the sandbox is still running');
    const oom = await sh(
      t,
      s.id,
      'cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null || cat /sys/fs/cgroup/memory.events',
      {
        allowFailure: true,
      },
    );
    assert.match(oom.stdout, /oom_kill [1-9]/);
  });

  it('stops a fork bomb at the pids limit', async () => {
    const s = await createSandbox(t);
    // Forks until the kernel refuses, then reaps everything: the count is the pids limit at work.
    const bomb = await sh(
      t,
      s.id,
      `python3 -c "
import os, signal, time
pids, err = [], None
try:
    for i in range(400):
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        pids.append(pid)
except OSError as e:
    err = e.errno
for p in pids:
    os.kill(p, signal.SIGKILL)
    os.waitpid(p, 0)
print(len(pids), err)
"`,
      { timeoutMs: 60_000 },
    );
    const [forked, errno] = bomb.stdout.trim().split(' ');
    assert.ok(
      Number(forked) > 10 && Number(forked) < 128,
      `forks capped by pids limit 128, forked ${forked}`,
    );
    assert.equal(errno, '11', 'fork failed with EAGAIN');
    assert.equal((await sh(t, s.id, 'echo alive')).stdout.trim(), 'alive');
  });

  it('enforces the CPU quota (1 core)', async () => {
    const s = await createSandbox(t, { cpuCount: 1 });
    const before = t.server.sandboxes.metrics(s.id);
    const start = Date.now();
    const statBefore = await sh(
      t,
      s.id,
      'cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null || grep usage_usec /sys/fs/cgroup/cpu.stat',
    );
    await sh(t, s.id, 'timeout 3 sh -c "yes > /dev/null & yes > /dev/null & wait"', { allowFailure: true });
    const statAfter = await sh(
      t,
      s.id,
      'cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null || grep usage_usec /sys/fs/cgroup/cpu.stat',
    );
    const wallS = (Date.now() - start) / 1000;
    const parse = (v: string) => {
      const n = Number(v.trim().split(/\s+/).at(-1));
      return v.includes('usage_usec') ? n / 1e6 : n / 1e9;
    };
    const cores = (parse(statAfter.stdout) - parse(statBefore.stdout)) / wallS;
    assert.ok(before.length >= 0);
    assert.ok(
      cores > 0.6 && cores < 1.25,
      `two busy loops used ${cores.toFixed(2)} cores under a 1-core quota`,
    );
  });

  it('limits the writable layer when disk limits are enforced', async (ctx) => {
    const warn = t.server.warnings.find((w) => w.startsWith('disk limits'));
    if (warn) {
      ctx.diagnostic(warn);
      assert.fail(`disk limits are not enforced on this host: ${warn}`);
    }
    const s = await createSandbox(t, { diskMiB: 64 });
    const dd = await sh(t, s.id, 'dd if=/dev/zero of=/home/user/big bs=1M count=200', { allowFailure: true });
    assert.notEqual(dd.exitCode, 0);
    assert.match(dd.stderr, /No space left|Disk quota exceeded/);
    await sh(t, s.id, 'rm /home/user/big && echo ok > /home/user/small');
  });
});
