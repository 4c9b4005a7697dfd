import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HOST_SECRET_HEADER } from '../contract.js';
import { httpRequest, startTestEnvd, TEST_HOST_SECRET, type TestEnvd } from '../testing/envd-fixture.js';

/** Opens a tunnel on control.sock; resolves with the socket and what followed the headers. */
function openTunnel(
  socketPath: string,
  path: string,
  secret: string | null = TEST_HOST_SECRET,
): Promise<{ socket: Socket; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath, allowHalfOpen: true });
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, head: buffer.subarray(0, end).toString(), rest: buffer.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    const auth = secret === null ? '' : `${HOST_SECRET_HEADER}: ${secret}\r\n`;
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: envd\r\n${auth}Connection: Upgrade\r\nUpgrade: soulbox-tunnel\r\n\r\n`,
    );
  });
}

function readAll(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.resume();
  });
}

describe('control.sock', () => {
  let t: TestEnvd;
  let echo: Server;
  let port: number;
  before(async () => {
    t = await startTestEnvd();
    // Reads until the client half-closes, then answers and closes: proves FIN goes through
    // while the other direction stays open.
    echo = createServer({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => socket.end(`echo:${Buffer.concat(chunks).toString()}`));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    port = (echo.address() as AddressInfo).port;
  });
  after(async () => {
    await t.close();
    await new Promise((r) => echo.close(r));
  });

  it('GET /health is 204', async () => {
    assert.equal((await t.control('/health')).status, 204);
  });

  it('POST /init validates its body', async () => {
    const post = (body: string) =>
      t.control('/init', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal((await post('{"defaultUser":"nobody","defaultWorkdir":"/tmp"}')).status, 204);
    assert.equal(t.envd.state.defaultUser, 'nobody');
    assert.equal(t.envd.state.defaultWorkdir, '/tmp');
    assert.equal((await post('{"defaultUser":"root","defaultWorkdir":""}')).status, 204);
    assert.equal(t.envd.state.defaultWorkdir, undefined);
    const unknown = await post('{"accessToken":"x"}');
    assert.equal(unknown.status, 400);
    assert.deepEqual(JSON.parse(unknown.body.toString()), {
      code: 400,
      message: "unknown field 'accessToken'",
    });
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post('{"envVars":{"A":1}}')).status, 400);
  });

  it('tunnels to a TCP port with 101, both directions and half-close', async () => {
    const { socket, head, rest } = await openTunnel(t.controlSocketPath, `/tunnel/${port}`);
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(head, /\r\nUpgrade: soulbox-tunnel/i);
    assert.equal(rest.length, 0);
    socket.write('hello ');
    socket.write('tunnel');
    socket.end();
    const reply = await readAll(socket);
    assert.equal(reply.toString(), 'echo:hello tunnel');
  });

  it('answers 502 JSON when nothing listens on the port', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { socket, head, rest } = await openTunnel(t.controlSocketPath, `/tunnel/${freePort}`);
    assert.match(head, /^HTTP\/1\.1 502 /);
    const body = Buffer.concat([rest, await readAll(socket)]).toString();
    assert.deepEqual(JSON.parse(body), { code: 502, message: 'port is not open' });
  });

  it('rejects bad ports and plain (non-upgrade) tunnel requests', async () => {
    const { socket, head } = await openTunnel(t.controlSocketPath, '/tunnel/70000');
    assert.match(head, /^HTTP\/1\.1 400 /);
    socket.destroy();
    const plain = await t.control(`/tunnel/${port}`);
    assert.equal(plain.status, 426);
  });

  it('does not expose control routes on envd.sock', async () => {
    const res = await t.http('/init', { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
  });

  it('refuses every request without the host secret, on both servers, and logs it', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { [HOST_SECRET_HEADER]: 'wrong' },
      { [HOST_SECRET_HEADER]: `${TEST_HOST_SECRET}x` },
    ];
    for (const headers of attempts) {
      for (const socket of [t.controlSocketPath, t.apiSocketPath]) {
        for (const path of ['/health', '/init', '/envs', '/process.Process/List']) {
          const method = path === '/health' || path === '/envs' ? 'GET' : 'POST';
          const res = await httpRequest(socket, path, { method, headers, body: '{}' });
          assert.equal(res.status, 401, `${path} with ${JSON.stringify(headers)}`);
          assert.deepEqual(JSON.parse(res.body.toString()), {
            code: 401,
            message: 'missing or wrong host credential',
          });
        }
      }
    }
    assert.ok(
      t.warnings.some((w) => w.startsWith('envd.unauthorized')),
      'refusals are logged',
    );
  });

  it('refuses a tunnel without the host secret before connecting to the port', async () => {
    let connections = 0;
    const probe = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    try {
      const probePort = (probe.address() as AddressInfo).port;
      for (const secret of [null, 'nope']) {
        const { socket, head, rest } = await openTunnel(t.controlSocketPath, `/tunnel/${probePort}`, secret);
        assert.match(head, /^HTTP\/1\.1 401 /);
        const body = Buffer.concat([rest, await readAll(socket)]).toString();
        assert.equal(JSON.parse(body).code, 401);
      }
      assert.equal(connections, 0);
    } finally {
      await new Promise((r) => probe.close(r));
    }
  });
});
