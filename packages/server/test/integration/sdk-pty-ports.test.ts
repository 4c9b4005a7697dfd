import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import {
  createSdkSandbox,
  killQuietly,
  rejection,
  SDKS,
  type SdkSandbox,
  sandboxHeaders,
  waitFor,
} from '../helpers/sdk.js';

const HTTP_PORT = 8000;
const WS_PORT = 8081;
const CLOSED_PORT = 8002;

/** A dependency-free WebSocket echo server (text frames < 126 bytes), run with the template's node. */
const WS_ECHO_SERVER = `
const http = require('http');
const crypto = require('crypto');
const srv = http.createServer((req, res) => res.end('plain http\\n'));
srv.on('upgrade', (req, sock) => {
  const accept = crypto.createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  sock.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n' +
    'Sec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 6) {
      const op = buf[0] & 0x0f;
      const len = buf[1] & 0x7f;
      if (len >= 126 || buf.length < 6 + len) return;
      const mask = buf.subarray(2, 6);
      const payload = Buffer.from(buf.subarray(6, 6 + len));
      buf = buf.subarray(6 + len);
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      if (op === 8) return sock.end(Buffer.from([0x88, 0]));
      const reply = Buffer.from('echo: ' + payload.toString());
      sock.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
    }
  });
  sock.on('error', () => {});
});
srv.listen(${WS_PORT}, '0.0.0.0');
`;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP GET to the server with exactly these headers (Host included). */
function rawGet(baseUrl: string, path: string, headers: Record<string, string>): Promise<RawResponse> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path, method: 'GET', headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Reads one unmasked server frame (payload < 126 bytes) from the socket. */
function readFrame(socket: Duplex, head: Buffer): Promise<{ opcode: number; text: string }> {
  return new Promise((resolve, reject) => {
    let buf = head;
    const tryParse = () => {
      if (buf.length < 2) return false;
      const len = (buf[1] ?? 0) & 0x7f;
      if (buf.length < 2 + len) return false;
      socket.off('data', onData);
      resolve({ opcode: (buf[0] ?? 0) & 0x0f, text: buf.subarray(2, 2 + len).toString('utf8') });
      return true;
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      tryParse();
    };
    if (tryParse()) return;
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('socket closed before a frame arrived')));
  });
}

/** Opens a WebSocket through the data plane, sends one text message, returns the reply. */
function websocketEcho(baseUrl: string, headers: Record<string, string>, message: string): Promise<string> {
  const u = new URL(baseUrl);
  const key = randomBytes(16).toString('base64');
  const expectedAccept = createHash('sha1')
    .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64');
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: '/ws',
      agent: false,
      headers: {
        ...headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Version': '13',
      },
    });
    req.on('response', (res) => {
      res.resume();
      reject(new Error(`expected 101 Switching Protocols, got ${res.statusCode}`));
    });
    req.on('error', reject);
    req.on('upgrade', (res, socket, head) => {
      try {
        assert.equal(res.headers['sec-websocket-accept'], expectedAccept);
        const payload = Buffer.from(message);
        const mask = randomBytes(4);
        const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
        socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
        readFrame(socket, head).then(
          (frame) => {
            socket.destroy();
            if (frame.opcode !== 1) reject(new Error(`expected a text frame, got opcode ${frame.opcode}`));
            else resolve(frame.text);
          },
          (err: unknown) => {
            socket.destroy();
            reject(err);
          },
        );
      } catch (err) {
        socket.destroy();
        reject(err);
      }
    });
    req.end();
  });
}

describe('SDK PTY and ports', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  for (const { version, sdk } of SDKS) {
    describe(`e2b ${version}`, () => {
      let sbx: SdkSandbox;
      before(async () => {
        sbx = await createSdkSandbox(sdk, t);
      });
      after(async () => {
        if (sbx) await killQuietly(sdk, t, sbx.sandboxId);
      });

      it('PTY: input echoes back, resize changes stty size, kill ends it', async () => {
        const decoder = new TextDecoder();
        let output = '';
        const pty = await sbx.pty.create({
          cols: 80,
          rows: 24,
          onData: (d) => {
            output += decoder.decode(d, { stream: true });
          },
        });
        try {
          assert.ok(pty.pid > 0);
          const send = (s: string) => sbx.pty.sendInput(pty.pid, new TextEncoder().encode(s));
          await send('echo pty-$((6*7))\n');
          await waitFor(`"pty-42" in the PTY output (got ${JSON.stringify(output)})`, () =>
            output.includes('pty-42') ? true : undefined,
          );
          assert.ok(output.includes('echo pty-$((6*7))'), 'the terminal echoes the typed input');

          await send('stty size\n');
          await waitFor('the initial size', () => (/\b24 80\b/.test(output) ? true : undefined));
          await sbx.pty.resize(pty.pid, { cols: 100, rows: 30 });
          await send('stty size; tty\n');
          await waitFor(`"30 100" after resize (got ${JSON.stringify(output.slice(-200))})`, () =>
            /\b30 100\b/.test(output) ? true : undefined,
          );
          assert.match(output, /\/dev\/pts\/\d+/, 'the shell runs on a pseudo-terminal');

          assert.equal(await sbx.pty.kill(pty.pid), true);
          const end = await rejection(pty.wait());
          assert.ok(end instanceof sdk.CommandExitError, `${end.name}: ${end.message}`);
          assert.equal(await sbx.pty.kill(pty.pid), false, 'killing it again finds nothing');
        } finally {
          await sbx.pty.kill(pty.pid).catch(() => false);
        }
      });

      it('reaches an HTTP server inside the sandbox by headers and by host name', async () => {
        await sbx.files.write('/home/user/www/hello.txt', `served from ${sbx.sandboxId}\n`);
        const server = await sbx.commands.run(`python3 -m http.server ${HTTP_PORT}`, {
          background: true,
          cwd: '/home/user/www',
        });
        try {
          const byHeaders = await waitFor(
            'the http server to answer',
            async () => {
              const res = await fetch(`${t.url}/hello.txt`, {
                headers: sandboxHeaders(sbx.sandboxId, HTTP_PORT),
              });
              return res.status === 200 ? res : undefined;
            },
            { timeoutMs: 20_000, intervalMs: 250 },
          );
          assert.equal(await byHeaders.text(), `served from ${sbx.sandboxId}\n`);

          const u = new URL(t.url);
          const byHost = await rawGet(t.url, '/hello.txt', {
            Host: `${HTTP_PORT}-${sbx.sandboxId}.localhost:${u.port}`,
          });
          assert.equal(byHost.status, 200);
          assert.equal(byHost.body, `served from ${sbx.sandboxId}\n`);

          const missing = await fetch(`${t.url}/nope.txt`, {
            headers: sandboxHeaders(sbx.sandboxId, HTTP_PORT),
          });
          assert.equal(missing.status, 404, "the sandbox server's own status comes through");
          await missing.body?.cancel();
        } finally {
          await sbx.commands.kill(server.pid).catch(() => false);
        }
      });

      it('answers 502 JSON for a closed port and for an unknown sandbox', async () => {
        const closed = await fetch(`${t.url}/`, { headers: sandboxHeaders(sbx.sandboxId, CLOSED_PORT) });
        assert.equal(closed.status, 502);
        assert.match(closed.headers.get('content-type') ?? '', /application\/json/);
        const body = (await closed.json()) as Record<string, unknown>;
        assert.equal(body.code, 502);
        assert.equal(body.sandboxId, sbx.sandboxId);
        assert.equal(body.port, CLOSED_PORT);
        assert.match(String(body.message), /port is not open/);

        const byHost = await rawGet(t.url, '/', { Host: `${CLOSED_PORT}-${sbx.sandboxId}.localhost` });
        assert.equal(byHost.status, 502);
        assert.equal((JSON.parse(byHost.body) as { code: number }).code, 502);

        const unknownId = 'zzzzzzzzzzzzzzzzzzzz';
        const unknown = await fetch(`${t.url}/`, { headers: sandboxHeaders(unknownId, HTTP_PORT) });
        assert.equal(unknown.status, 502);
        assert.deepEqual(await unknown.json(), {
          sandboxId: unknownId,
          message: 'The sandbox was not found',
          code: 502,
        });
        const unknownEnvd = await fetch(`${t.url}/health`, { headers: sandboxHeaders(unknownId, 49983) });
        assert.equal(
          unknownEnvd.status,
          502,
          'envd of an unknown sandbox: 502 (isRunning() reads it as false)',
        );
        await unknownEnvd.body?.cancel();
      });

      it('proxies a WebSocket to a server inside the sandbox', async () => {
        await sbx.files.write('/home/user/ws-echo.cjs', WS_ECHO_SERVER);
        const server = await sbx.commands.run('node /home/user/ws-echo.cjs', { background: true });
        try {
          await waitFor(
            'the websocket server to listen',
            async () => {
              const res = await fetch(`${t.url}/`, { headers: sandboxHeaders(sbx.sandboxId, WS_PORT) });
              return res.status === 200 ? await res.text() : undefined;
            },
            { timeoutMs: 20_000, intervalMs: 250 },
          );
          const reply = await websocketEcho(
            t.url,
            sandboxHeaders(sbx.sandboxId, WS_PORT),
            'hello through the proxy',
          );
          assert.equal(reply, 'echo: hello through the proxy');
          const byHost = await websocketEcho(
            t.url,
            { Host: `${WS_PORT}-${sbx.sandboxId}.localhost` },
            'by host',
          );
          assert.equal(byHost, 'echo: by host');
        } finally {
          await sbx.commands.kill(server.pid).catch(() => false);
        }
      });
    });
  }
});
