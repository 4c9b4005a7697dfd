/**
 * Red team: root inside a sandbox against the host↔envd channel and the host's disk
 * (issue 10, items 1 and 3). Each attack is performed as an attacker would, then the test
 * asserts it failed and nothing leaked. Traffic stays on this machine (unix sockets, the
 * data plane on loopback).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOST_SECRET_HEADER } from '@soulbox/envd';
import { Sandbox } from 'e2b';
import { ENVD_LOG_MAX_BYTES } from '../../src/runtime/envd-channel.js';
import type { EnvdEndpoint } from '../../src/runtime/envd-endpoint.js';
import { requestEnvd } from '../../src/runtime/envd-socket.js';
import { openTunnel } from '../../src/runtime/envd-tunnel.js';
import { createSandbox, sh, startTestServer, TEST_DATA_DIR, type TestServer } from '../helpers/harness.js';
import { api } from '../helpers/rest.js';
import { conn, sandboxHeaders, sleep, uniqueTag, waitFor } from '../helpers/sdk.js';

const MiB = 1024 * 1024;
/** The longest any keep-alive connection to envd could have lived (envd's keepAliveTimeout + 1 s). */
const KEEP_ALIVE_EXPIRY_MS = 66_000;
/** Room for one log line (the flood's lines are ~100 KB) above envd's cap. */
const LOG_SLACK_BYTES = 256 * 1024;

/** Bytes the host's disk holds for these entries of a sandbox dir (du: allocated blocks). */
function hostBytes(sandboxDir: string, skip: readonly string[] = ['rootfs']): number {
  let total = 0;
  for (const name of fs.readdirSync(sandboxDir)) {
    if (skip.includes(name)) continue;
    const out = execFileSync('du', ['-s', '-B1', path.join(sandboxDir, name)], { encoding: 'utf8' });
    total += Number(out.split('\t')[0]);
  }
  return total;
}

/** A unix socket on the host that counts connections: an attacker's target. */
async function hostSocket(file: string): Promise<{ hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = net.createServer((s) => {
    hits++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(file, resolve));
  return { hits: () => hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Makes envd log ~100 KB per request, `count` times, through the data plane; returns the largest log size seen. */
async function floodLog(sbx: Sandbox, logFile: string, count: number): Promise<number> {
  const filler = '#'.repeat(100_000);
  let largest = 0;
  for (let i = 0; i < count; i++) {
    await sbx.commands.run(`true ${filler}`);
    largest = Math.max(largest, fs.statSync(logFile).size);
  }
  return largest;
}

/** Appends up to 600 MiB to `file` as root; returns the shell's status and the file's final size. */
async function fill(t: TestServer, id: string, file: string): Promise<{ rc: number; size: number }> {
  const r = await sh(
    t,
    id,
    `head -c 600M /dev/urandom >> ${file}; rc=$?; sync; echo "$rc $(stat -c %s ${file})"`,
    { user: 'root', allowFailure: true, timeoutMs: 300_000 },
  );
  const [rc, size] = r.stdout.trim().split(' ').map(Number);
  return { rc: rc ?? -1, size: size ?? -1 };
}

describe('red team: the host↔envd channel', () => {
  let t: TestServer;
  let tmp: string;
  let target: Awaited<ReturnType<typeof hostSocket>>;
  let a: Sandbox;
  let b: Sandbox;
  const bSecret = `b-secret-${uniqueTag()}`;
  const marker = `only-in-a-${uniqueTag()}`;
  let swappedAt = 0;

  before(async () => {
    t = await startTestServer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-redteam-'));
    target = await hostSocket(path.join(tmp, 'host.sock'));
    b = await Sandbox.create({ ...conn(t), envs: { B_SECRET: bSecret } });
    const recA = await createSandbox(t, { diskMiB: 256 });
    a = await Sandbox.connect(recA.id, conn(t));
  });
  after(async () => {
    for (const s of [a, b]) await s?.kill().catch(() => {});
    await t?.close();
    await target?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Everything that proves a request for A was served by A's envd and nobody else. */
  const assertServedByA = async (when: string) => {
    const run = await a.commands.run(`echo "[$B_SECRET]$(hostname)" # ${marker}`);
    assert.equal(run.stdout.trim(), `[]${a.sandboxId}`, `${when}: commands.run reached A`);
    assert.equal((await a.files.read('/etc/hostname')).trim(), a.sandboxId, `${when}: files reached A`);
    const token = t.server.sandboxes.find(a.sandboxId)?.accessToken;
    assert.ok(token, 'A is a secure sandbox');
    const envs = await fetch(`${t.url}/envs`, {
      headers: { ...sandboxHeaders(a.sandboxId, 49983), 'X-Access-Token': token },
    });
    assert.equal(envs.status, 200, `${when}: raw GET /envs`);
    assert.doesNotMatch(await envs.text(), new RegExp(bSecret), `${when}: B's env vars never appear`);
    // A raw client that keeps its connection to the server alive across requests.
    const agent = new http.Agent({ keepAlive: true });
    try {
      for (let i = 0; i < 3; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          const req = http.get(
            `${t.url}/envs`,
            { agent, headers: { ...sandboxHeaders(a.sandboxId, 49983), 'X-Access-Token': token } },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => {
                text += c.toString();
              });
              res.on('end', () => resolve(text));
            },
          );
          req.on('error', reject);
        });
        assert.doesNotMatch(body, new RegExp(bSecret));
      }
    } finally {
      agent.destroy();
    }
    // A port request makes the server open a tunnel on A's control channel.
    const port = await fetch(`${t.url}/`, { headers: sandboxHeaders(a.sandboxId, 1) });
    assert.equal(port.status, 502, `${when}: closed port of A`);
    await port.text();
    assert.equal(target.hits(), 0, `${when}: the host socket got no connection`);
    const fake = await sh(t, a.sandboxId, 'cat /tmp/fake-envd-hits 2>/dev/null; true', { user: 'root' });
    assert.equal(fake.stdout, '', `${when}: the fake envd inside A got no connection`);
    const bLog = fs.readFileSync(t.server.runtime.paths(b.sandboxId).log, 'utf8');
    assert.ok(!bLog.includes(marker), `${when}: B's envd never saw A's requests`);
  };

  it('root in A finds no envd socket and plants symlinks to B and to a host socket wherever it can', async () => {
    const aChannel = t.server.runtime.paths(a.sandboxId).channel;
    const bChannel = t.server.runtime.paths(b.sandboxId).channel;
    const seen = await sh(
      t,
      a.sandboxId,
      `find / -xdev -type s 2>/dev/null; ls -A /run/soulbox 2>/dev/null; ls ${aChannel.dir} 2>&1; true`,
      { user: 'root' },
    );
    assert.doesNotMatch(seen.stdout, /envd\.sock|control\.sock/, 'no socket of the channel is visible in A');
    assert.match(seen.stdout, /No such file or directory/, "the host's channel dir does not exist in A");

    // A fake envd inside A, reachable from any path the host might resolve inside A.
    await sh(
      t,
      a.sandboxId,
      `nohup python3 -c '
import socket
s = socket.socket(socket.AF_UNIX)
s.bind("/tmp/fake-envd.sock")
s.listen(16)
while True:
    c, _ = s.accept()
    open("/tmp/fake-envd-hits", "a").write("hit\\n")
    c.close()
' >/dev/null 2>&1 &
sleep 0.5; test -S /tmp/fake-envd.sock`,
      { user: 'root' },
    );
    const victims = [bChannel.apiSocket, `${TEST_DATA_DIR}/sandboxes/${b.sandboxId}/run/envd.sock`];
    const plant = (dir: string, api: string, control: string) =>
      `mkdir -p ${dir} && cd ${dir} && { mv envd.sock x 2>/dev/null; true; } && ln -sfn ${api} envd.sock && ln -sfn ${control} control.sock`;
    await sh(
      t,
      a.sandboxId,
      [
        plant('/run/soulbox', victims[0]!, path.join(tmp, 'host.sock')),
        plant(aChannel.dir, '/tmp/fake-envd.sock', path.join(tmp, 'host.sock')),
        plant(`${TEST_DATA_DIR}/sandboxes/${a.sandboxId}/run`, victims[1]!, '/tmp/fake-envd.sock'),
      ].join(' && '),
      { user: 'root' },
    );
    swappedAt = Date.now();
    // The host side is untouched: its channel dir is root's alone and holds real sockets.
    const dir = fs.lstatSync(aChannel.dir);
    assert.equal(dir.mode & 0o777, 0o700);
    assert.equal(dir.uid, 0);
    for (const s of [aChannel.apiSocket, aChannel.controlSocket]) {
      const st = fs.lstatSync(s);
      assert.ok(st.isSocket(), `${s} is a socket`);
      assert.equal(st.mode & 0o777, 0o600);
      assert.equal(st.uid, 0);
    }
  });

  it('data-plane requests for A (e2b SDK, raw HTTP, port tunnel) reach A only', async () => {
    await assertServedByA('right after the swap');
  });

  it("refuses a mis-wired connection: envd answers only its own sandbox's secret", async () => {
    const rt = t.server.runtime;
    const mix = (to: string, secretOf: string, channel: 'api' | 'control'): EnvdEndpoint => ({
      connect: rt.envdEndpoint(to, channel).connect,
      headers: rt.envdEndpoint(secretOf, channel).headers,
    });
    const none = (to: string, channel: 'api' | 'control'): EnvdEndpoint => ({
      connect: rt.envdEndpoint(to, channel).connect,
      headers: {},
    });
    const forged = (to: string, channel: 'api' | 'control'): EnvdEndpoint => ({
      connect: rt.envdEndpoint(to, channel).connect,
      headers: { [HOST_SECRET_HEADER]: 'A'.repeat(43) },
    });
    for (const channel of ['api', 'control'] as const) {
      for (const ep of [
        mix(b.sandboxId, a.sandboxId, channel),
        mix(a.sandboxId, b.sandboxId, channel),
        none(b.sandboxId, channel),
        forged(b.sandboxId, channel),
      ]) {
        for (const p of ['/health', '/envs']) {
          const r = await requestEnvd(ep, 'GET', p);
          assert.equal(r.status, 401, `${channel} ${p}`);
          assert.doesNotMatch(r.body, new RegExp(bSecret));
        }
      }
    }
    const tunnel = await openTunnel(mix(b.sandboxId, a.sandboxId, 'control'), 22);
    assert.deepEqual(tunnel.ok ? 'opened' : tunnel.status, 401, "no tunnel into B with A's secret");
    // The right pairing still works.
    assert.equal((await requestEnvd(rt.envdEndpoint(b.sandboxId, 'control'), 'GET', '/health')).status, 204);
    const envs = await requestEnvd(rt.envdEndpoint(b.sandboxId, 'api'), 'GET', '/envs');
    assert.match(envs.body, new RegExp(bSecret));
  });

  it('a client cannot send the host secret header through the data plane', async () => {
    // An echo server in A that records the request head it gets.
    await sh(
      t,
      a.sandboxId,
      `nohup python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8080))
s.listen(16)
while True:
    c, _ = s.accept()
    data = c.recv(65536)
    open("/tmp/seen", "ab").write(data)
    c.sendall(b"HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\nconnection: close\\r\\n\\r\\nok")
    c.close()
' >/dev/null 2>&1 &
for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/8080) 2>/dev/null && break; sleep 0.1; done; rm -f /tmp/seen`,
      { user: 'root' },
    );
    const bHeaders = t.server.runtime.envdEndpoint(b.sandboxId, 'api').headers;
    const forged = { ...sandboxHeaders(a.sandboxId, 8080), ...bHeaders };
    const r = await fetch(`${t.url}/hello`, { headers: forged });
    assert.equal(await r.text(), 'ok');
    const seen = await sh(t, a.sandboxId, 'cat /tmp/seen', { user: 'root' });
    assert.match(seen.stdout, /GET \/hello/);
    assert.doesNotMatch(seen.stdout.toLowerCase(), new RegExp(HOST_SECRET_HEADER));
    // And on envd's port A's envd is still the one that answers (its own secret replaced the client's).
    const token = t.server.sandboxes.find(a.sandboxId)?.accessToken ?? '';
    const envs = await fetch(`${t.url}/envs`, {
      headers: { ...sandboxHeaders(a.sandboxId, 49983), ...bHeaders, 'X-Access-Token': token },
    });
    assert.equal(envs.status, 200);
    assert.doesNotMatch(await envs.text(), new RegExp(bSecret));
  });

  it('envd is out of reach of root in A: no ptrace, no /proc/1/fd/*, its secret nowhere', async () => {
    const secret = t.server.runtime.envdEndpoint(a.sandboxId, 'api').headers[HOST_SECRET_HEADER];
    assert.ok(secret, 'the runtime sends a secret');
    const probe = await sh(
      t,
      a.sandboxId,
      `for fd in /proc/1/fd/*; do readlink $fd >/dev/null 2>&1 && echo "open $fd"; done
for f in /proc/1/environ /proc/1/maps /proc/1/fd/1 /proc/1/fd/3; do
  head -c 1 $f >/dev/null 2>&1 && echo "open $f"
done
echo x >> /proc/1/fd/1 2>/dev/null && echo "wrote log"
python3 -c 'import ctypes; print("ptrace", ctypes.CDLL(None, use_errno=True).ptrace(16, 1, 0, 0))'
ls /proc/self/fd | tr "\\n" " "; true`,
      { user: 'root' },
    );
    assert.doesNotMatch(probe.stdout, /open |wrote log/, probe.stdout);
    assert.match(probe.stdout, /ptrace -1/, 'PTRACE_ATTACH on envd fails');
    assert.match(probe.stdout, /^0 1 2 3 $/m, 'children inherit only stdio');
    // Split in two, so that the search's own command line does not contain it.
    const half = Math.floor(secret.length / 2);
    const search = await sh(
      t,
      a.sandboxId,
      `S1='${secret.slice(0, half)}' S2='${secret.slice(half)}' python3 -c '
import os
needle = (os.environ["S1"] + os.environ["S2"]).encode()
hits = []
for top in ["/proc", "/run", "/tmp", "/etc", "/root", "/home", "/var", "/.soulbox"]:
    for root, dirs, files in os.walk(top):
        if root == "/proc":
            dirs[:] = [d for d in dirs if d.isdigit() and d != str(os.getpid())]
        for f in files:
            p = os.path.join(root, f)
            try:
                if needle in open(p, "rb").read(1 << 20):
                    hits.append(p)
            except Exception:
                pass
        if root.startswith("/proc/"):
            dirs[:] = []
print("hits", hits)
'`,
      { user: 'root', timeoutMs: 120_000 },
    );
    assert.match(search.stdout, /^hits \[\]$/m, search.stdout);
  });

  it("root fills /run/soulbox, /etc/hosts and /etc/resolv.conf with 600 MiB each: stopped by the sandbox's 256 MiB", async () => {
    // A sandbox per path: at a btrfs qgroup limit even truncating or deleting fails with
    // EDQUOT, so one sandbox could not be emptied between attacks.
    for (const file of ['/run/soulbox/fill', '/etc/hosts', '/etc/resolv.conf']) {
      const rec = await createSandbox(t, { diskMiB: 256 });
      try {
        const dir = t.server.runtime.paths(rec.id).dir;
        const r = await fill(t, rec.id, file);
        assert.notEqual(r.rc, 0, `${file}: the write failed before 600 MiB`);
        assert.ok(r.size < 300 * MiB, `${file}: ${r.size} bytes written`);
        const used = hostBytes(dir);
        assert.ok(
          used <= 256 * MiB + ENVD_LOG_MAX_BYTES + 16 * MiB,
          `${file}: the host holds ${Math.round(used / MiB)} MiB for the sandbox`,
        );
        assert.equal((await sh(t, rec.id, 'hostname')).stdout.trim(), rec.id, 'the sandbox lives on');
      } finally {
        await t.server.sandboxes.kill(rec.id).catch(() => {});
      }
    }
  });

  it("floods envd's log: bounded on the host, and the sandbox logs keep flowing", async () => {
    const log = t.server.runtime.paths(a.sandboxId).log;
    const largest = await floodLog(a, log, 120);
    assert.ok(largest <= ENVD_LOG_MAX_BYTES + LOG_SLACK_BYTES, `the log grew to ${largest} bytes`);
    assert.match(fs.readFileSync(log, 'utf8').split('\n')[0] ?? '', /"event":"envd.log_truncated"/);
    const after = `after-flood-${uniqueTag()}`;
    await a.commands.run(`true ${after}`);
    await waitFor('the log line after the flood', async () => {
      const r = await api(t, 'GET', `/sandboxes/${a.sandboxId}/logs?limit=10000`);
      return JSON.stringify(r.json).includes(after) ? true : undefined;
    });
  });

  it('after every keep-alive connection has expired, requests for A still reach A only', async () => {
    const wait = swappedAt + KEEP_ALIVE_EXPIRY_MS - Date.now();
    if (wait > 0) await sleep(wait);
    await assertServedByA('after keep-alive expiry');
  });
});

describe('red team: bounded paths with disk quota none', () => {
  let t: TestServer;
  let c: Sandbox | undefined;

  before(async () => {
    t = await startTestServer({ disk: { quota: 'none' } });
  });
  after(async () => {
    await c?.kill().catch(() => {});
    await t?.close();
  });

  it("keeps envd's log bounded and puts /run/soulbox and /etc writes into the writable layer", async () => {
    const rec = await createSandbox(t, { diskMiB: 256 });
    c = await Sandbox.connect(rec.id, conn(t));
    const p = t.server.runtime.paths(rec.id);
    const outsideLayer = () => hostBytes(p.dir, ['rootfs', 'fs']);

    const largest = await floodLog(c, p.log, 120);
    assert.ok(largest <= ENVD_LOG_MAX_BYTES + LOG_SLACK_BYTES, `the log grew to ${largest} bytes`);

    await sh(
      t,
      rec.id,
      'head -c 64M /dev/zero > /run/soulbox/fill && head -c 16M /dev/zero >> /etc/hosts && head -c 16M /dev/zero >> /etc/resolv.conf && sync',
      { user: 'root', timeoutMs: 120_000 },
    );
    assert.equal(fs.statSync(path.join(p.upper, 'run/soulbox/fill')).size, 64 * MiB);
    assert.ok(fs.statSync(path.join(p.upper, 'etc/hosts')).size > 16 * MiB);
    assert.ok(fs.statSync(path.join(p.upper, 'etc/resolv.conf')).size > 16 * MiB);
    const used = outsideLayer();
    assert.ok(
      used <= ENVD_LOG_MAX_BYTES + LOG_SLACK_BYTES + MiB,
      `outside the writable layer the host holds ${used} bytes`,
    );
  });
});
