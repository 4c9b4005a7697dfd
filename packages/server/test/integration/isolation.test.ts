import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { SandboxRecord } from '../../src/store/index.js';
import { createSandbox, sh, startTestServer, type TestServer } from '../helpers/harness.js';

// Docker's default capability set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
// NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
const DOCKER_DEFAULT_CAPEFF = '00000000a80425fb';

describe('isolation', () => {
  let t: TestServer;
  let a: SandboxRecord;
  let b: SandboxRecord;
  const marker = `/tmp/soulbox-host-marker-${process.pid}`;

  before(async () => {
    t = await startTestServer();
    [a, b] = await Promise.all([createSandbox(t), createSandbox(t)]);
    fs.writeFileSync(marker, 'host secret');
  });
  after(async () => {
    fs.rmSync(marker, { force: true });
    await t?.close();
  });

  it('runs envd as PID 1 and shows no host processes', async () => {
    const { stdout } = await sh(t, a.id, 'ps -e -o pid=,comm=');
    const procs = stdout
      .trim()
      .split('\n')
      .map((l) => l.trim());
    assert.match(procs[0] ?? '', /^1 /, 'pid 1 is the sandbox init');
    assert.ok(procs.length < 10, `only the sandbox's own processes are visible, got: ${stdout}`);
    const cmdline = await sh(t, a.id, "tr '\\0' ' ' < /proc/1/cmdline");
    assert.match(cmdline.stdout, /envd/);
  });

  it('uses the sandbox id as hostname', async () => {
    assert.equal((await sh(t, a.id, 'hostname')).stdout.trim(), a.id);
  });

  it('cannot see host files or other sandboxes', async () => {
    const host = await sh(t, a.id, `cat ${marker}`, { allowFailure: true });
    assert.notEqual(host.exitCode, 0);
    await sh(t, a.id, 'echo secret-a > /tmp/only-in-a');
    const other = await sh(t, b.id, 'cat /tmp/only-in-a', { allowFailure: true });
    assert.notEqual(other.exitCode, 0);
  });

  it('maps root to an unprivileged host uid range', async () => {
    const { stdout } = await sh(t, a.id, 'cat /proc/self/uid_map', { user: 'root' });
    const [inside, outside, count] = stdout.trim().split(/\s+/).map(Number);
    assert.equal(inside, 0);
    assert.ok((outside ?? 0) >= 100_000, `root maps to host uid ${outside}`);
    assert.equal(count, 65_536);
  });

  it('applies seccomp and drops capabilities for root', async () => {
    const { stdout } = await sh(t, a.id, "grep -E '^(Seccomp|CapEff|NoNewPrivs):' /proc/self/status", {
      user: 'root',
    });
    assert.match(stdout, /Seccomp:\s+2/);
    assert.match(stdout, new RegExp(`CapEff:\\s+${DOCKER_DEFAULT_CAPEFF}`));
    assert.match(stdout, /NoNewPrivs:\s+0/, 'sudo needs setuid, so no_new_privs is off by default');
  });

  it('refuses mount, module loading, namespaces and raw sockets', async () => {
    for (const user of ['user', 'root']) {
      const mount = await sh(t, a.id, 'mkdir -p /tmp/m && mount -t tmpfs none /tmp/m', {
        user,
        allowFailure: true,
      });
      assert.notEqual(mount.exitCode, 0, `mount fails for ${user}`);
      const mod = await sh(
        t,
        a.id,
        `python3 -c "import ctypes,os; l=ctypes.CDLL(None,use_errno=True); r=l.init_module(None,0,b''); print(r, os.strerror(ctypes.get_errno()))"`,
        { user },
      );
      assert.match(mod.stdout, /^-1 Operation not permitted/, `init_module refused for ${user}`);
      const ns = await sh(t, a.id, 'unshare --user --map-root-user true', { user, allowFailure: true });
      assert.notEqual(ns.exitCode, 0, `unshare fails for ${user}`);
    }
    const raw = await sh(
      t,
      a.id,
      'python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)"',
      { allowFailure: true },
    );
    assert.notEqual(raw.exitCode, 0);
    assert.match(raw.stderr, /PermissionError|Operation not permitted/);
  });

  it('keeps sudo working for user', async () => {
    assert.equal((await sh(t, a.id, 'sudo -n id -u')).stdout.trim(), '0');
    assert.equal((await sh(t, a.id, 'id -un')).stdout.trim(), 'user');
  });

  it('masks sensitive /proc paths', async () => {
    const kcore = await sh(t, a.id, 'head -c 1 /proc/kcore | wc -c', { user: 'root', allowFailure: true });
    assert.equal(kcore.stdout.trim(), '0');
    const sysrq = await sh(t, a.id, 'echo h > /proc/sysrq-trigger', { user: 'root', allowFailure: true });
    assert.notEqual(sysrq.exitCode, 0);
  });
});
