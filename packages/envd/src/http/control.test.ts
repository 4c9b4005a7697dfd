import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestEnvd, type TestEnvd } from '../testing/envd-fixture.js';

/** Opens a tunnel on control.sock; resolves with the socket and what followed the headers. */
function openTunnel(
  socketPath: string,
  path: string,
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
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: envd\r\nConnection: Upgrade\r\nUpgrade: soulbox-tunnel\r\n\r\n`,
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
    const { socket, head, rest } = await openTunnel(t.envd.controlSocketPath, `/tunnel/${port}`);
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
    const { socket, head, rest } = await openTunnel(t.envd.controlSocketPath, `/tunnel/${freePort}`);
    assert.match(head, /^HTTP\/1\.1 502 /);
    const body = Buffer.concat([rest, await readAll(socket)]).toString();
    assert.deepEqual(JSON.parse(body), { code: 502, message: 'port is not open' });
  });

  it('rejects bad ports and plain (non-upgrade) tunnel requests', async () => {
    const { socket, head } = await openTunnel(t.envd.controlSocketPath, '/tunnel/70000');
    assert.match(head, /^HTTP\/1\.1 400 /);
    socket.destroy();
    const plain = await t.control(`/tunnel/${port}`);
    assert.equal(plain.status, 426);
  });

  it('does not expose control routes on envd.sock', async () => {
    const res = await t.http('/init', { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
  });
});
