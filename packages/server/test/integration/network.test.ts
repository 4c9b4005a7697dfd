import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/util/exec.js';
import { createSandbox, sh, startTestServer, TEST_NETWORK, type TestServer } from '../helpers/harness.js';

// A stand-in for "the internet": a netns this test creates, reachable from the host through a
// veth pair. Traffic only ever goes to it, to loopback, or into SoulBox's own namespaces.
const EXT_NS = 'sbtest-ext';
const HOST_IP = '198.18.0.1';
const EXT_IP = '198.18.0.2';

async function createExternalHost(): Promise<ChildProcess> {
  await run('ip', ['netns', 'del', EXT_NS], { allowFailure: true });
  await run('ip', ['link', 'del', 'sbtest-h'], { allowFailure: true });
  await run('ip', ['netns', 'add', EXT_NS]);
  await run('ip', ['link', 'add', 'sbtest-h', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', EXT_NS]);
  await run('ip', ['addr', 'add', `${HOST_IP}/30`, 'dev', 'sbtest-h']);
  await run('ip', ['link', 'set', 'sbtest-h', 'up']);
  await run('ip', ['-n', EXT_NS, 'addr', 'add', `${EXT_IP}/30`, 'dev', 'eth0']);
  await run('ip', ['-n', EXT_NS, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', EXT_NS, 'link', 'set', 'lo', 'up']);
  // A tiny HTTP server that answers with the client's address, so NAT is visible.
  const server = spawn(
    'ip',
    [
      'netns',
      'exec',
      EXT_NS,
      process.execPath,
      '-e',
      `require('http').createServer((q,s)=>s.end('hello from outside, you are '+q.socket.remoteAddress)).listen(8080,'${EXT_IP}',()=>console.log('ready'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    server.stdout?.once('data', () => resolve());
    server.once('exit', (c) => reject(new Error(`external server exited ${c}`)));
  });
  return server;
}

describe('networking', () => {
  let t: TestServer;
  let ext: ChildProcess | undefined;
  before(async () => {
    t = await startTestServer();
    ext = await createExternalHost();
  });
  after(async () => {
    ext?.kill('SIGKILL');
    await run('ip', ['netns', 'del', EXT_NS], { allowFailure: true });
    await run('ip', ['link', 'del', 'sbtest-h'], { allowFailure: true });
    await t?.close();
  });

  it('gives a default sandbox egress through the bridge with NAT', async () => {
    const s = await createSandbox(t);
    const addr = await sh(t, s.id, 'ip -4 -o addr show eth0');
    const prefix = TEST_NETWORK.subnet.split('.').slice(0, 2).join('.');
    assert.ok(
      addr.stdout.includes(`inet ${prefix}.`),
      `eth0 has an address in ${TEST_NETWORK.subnet}: ${addr.stdout}`,
    );
    const r = await sh(t, s.id, `curl -sS --max-time 5 http://${EXT_IP}:8080/`);
    assert.equal(
      r.stdout,
      `hello from outside, you are ${HOST_IP}`,
      'the source address is NATed to the host',
    );
  });

  it('gives network none only a loopback interface', async () => {
    const s = await createSandbox(t, { networkMode: 'none' });
    const links = await sh(t, s.id, 'ip -o link show');
    assert.doesNotMatch(links.stdout, /eth0/);
    assert.match(links.stdout, /lo:/);
    const r = await sh(t, s.id, `curl -sS --max-time 3 http://${EXT_IP}:8080/`, { allowFailure: true });
    assert.notEqual(r.exitCode, 0);
    // Loopback works inside.
    await sh(
      t,
      s.id,
      '(python3 -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1 &) ; sleep 1; curl -sf http://127.0.0.1:8000/ >/dev/null',
    );
  });

  it('keeps sandboxes from reaching each other and the host', async () => {
    const [a, b] = await Promise.all([createSandbox(t), createSandbox(t)]);
    await sh(t, b.id, '(python3 -m http.server 8000 >/dev/null 2>&1 &); sleep 1');
    const bIp = (await sh(t, b.id, "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1")).stdout.trim();
    const r = await sh(t, a.id, `curl -sS --max-time 3 http://${bIp}:8000/`, { allowFailure: true });
    assert.notEqual(r.exitCode, 0, 'sandbox-to-sandbox traffic is dropped');
    const gw = (await sh(t, a.id, "ip route | awk '/default/ {print $3}'")).stdout.trim();
    const host = await sh(t, a.id, `curl -sS --max-time 3 http://${gw}:${t.server.port}/health`, {
      allowFailure: true,
    });
    assert.notEqual(host.exitCode, 0, 'host services are not reachable from sandboxes');
  });

  it('applies allowOut / denyOut rules (allow wins over deny)', async () => {
    const allowOnly = await createSandbox(t, {
      egress: { allowOut: [`${EXT_IP}/32`], denyOut: ['0.0.0.0/0'] },
    });
    const denied = await createSandbox(t, { egress: { allowOut: [], denyOut: [EXT_IP] } });
    const ok = await sh(t, allowOnly.id, `curl -sS --max-time 5 http://${EXT_IP}:8080/`);
    assert.match(ok.stdout, /hello from outside/);
    const blocked = await sh(t, denied.id, `curl -sS --max-time 3 http://${EXT_IP}:8080/`, {
      allowFailure: true,
    });
    assert.notEqual(blocked.exitCode, 0);
    await assert.rejects(
      createSandbox(t, { egress: { allowOut: ['example.com'], denyOut: [] } }),
      /not an IPv4 address/,
    );
  });

  it('removes the netns and veth on kill', async () => {
    const s = await createSandbox(t);
    assert.ok((await run('ip', ['netns', 'list'])).stdout.includes(`sb-${s.id}`));
    await t.server.sandboxes.kill(s.id);
    assert.ok(!(await run('ip', ['netns', 'list'])).stdout.includes(`sb-${s.id}`));
    assert.ok(!(await run('ip', ['-o', 'link'])).stdout.includes(`sbv${s.id.slice(0, 12)}`));
  });
});
