import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { SandboxRecord } from '../store/index.js';
import { silentLogger } from '../util/logger.js';
import { createDataPlane, type DataPlane } from './data-plane.js';

const ACCESS = 'a'.repeat(64);
const TRAFFIC = 't'.repeat(64);

/** What an upstream (envd or an app on a port) was sent. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** Sends raw bytes and collects the whole answer (the server closes, or `waitMs` passes). */
function rawExchange(port: number, bytes: string, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => s.destroy(), waitMs);
    s.on('data', (d) => {
      out += d.toString();
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.on('error', () => {});
    s.write(bytes);
  });
}

describe('data plane (in-process, stand-in envd and app)', () => {
  const envdSeen: Seen[] = [];
  const appSeen: Seen[] = [];
  let envd: http.Server;
  let app: http.Server;
  let front: http.Server;
  let plane: DataPlane;
  let port: number;
  const sandboxes = new Map<string, SandboxRecord>();

  before(async () => {
    envd = http.createServer((req, res) => {
      envdSeen.push({ method: req.method!, url: req.url!, headers: req.headers });
      req.resume();
      req.on('end', () => res.end('envd'));
    });
    app = http.createServer((req, res) => {
      appSeen.push({ method: req.method!, url: req.url!, headers: req.headers });
      req.resume();
      req.on('end', () => res.end(JSON.stringify(req.headers)));
    });
    // A WebSocket-like server: echoes the request headers in the 101 answer's first bytes,
    // or answers 426 to /no-upgrade.
    app.on('upgrade', (req, socket) => {
      appSeen.push({ method: req.method!, url: req.url!, headers: req.headers });
      if (req.url === '/no-upgrade') {
        socket.end('HTTP/1.1 426 Upgrade Required\r\ncontent-length: 4\r\n\r\nnope');
        return;
      }
      socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: echo\r\n\r\n');
      socket.write(`${JSON.stringify(req.headers)}\n`);
      socket.pipe(socket);
    });
    const envdPort = await listen(envd);
    const appPort = await listen(app);
    const runtime = {
      envdEndpoint: () => ({
        connect: () => net.connect(envdPort, '127.0.0.1'),
        headers: { 'x-host-secret': 'h' },
      }),
      openTunnel: async () => ({ ok: true as const, socket: net.connect(appPort, '127.0.0.1') }),
    } as unknown as SandboxRuntime;
    const manager = Object.assign(new EventEmitter(), {
      find: (id: string) => sandboxes.get(id),
    }) as unknown as SandboxManager;
    plane = createDataPlane({ sandboxes: manager, runtime, domain: 'localhost', logger: silentLogger });
    front = http.createServer((req, res) => {
      const target = plane.match(req);
      if (target) plane.handle(req, res, target);
      else res.end('rest');
    });
    front.on('upgrade', (req, socket, head) => {
      const target = plane.match(req);
      if (target) plane.handleUpgrade(req, socket, head, target);
      else socket.destroy();
    });
    port = await listen(front);
    const rec = (id: string, trafficToken: string | null) =>
      ({ id, tenantId: 'default', state: 'running', accessToken: ACCESS, trafficToken }) as SandboxRecord;
    sandboxes.set('sbxpublic', rec('sbxpublic', null));
    sandboxes.set('sbxprivate', rec('sbxprivate', TRAFFIC));
  });
  after(() => {
    plane.close();
    for (const s of [front, envd, app]) {
      s.closeAllConnections();
      s.close();
    }
  });
  beforeEach(() => {
    envdSeen.length = 0;
    appSeen.length = 0;
  });

  const credentials = {
    'X-API-KEY': 'e2b_0123456789abcdef0123456789abcdef01234567',
    'X-Access-Token': ACCESS,
    'E2B-Traffic-Access-Token': TRAFFIC,
    Authorization: 'Bearer some.jwt.value',
    Cookie: 'soulbox_session=s; app=1',
  };
  const secrets = [ACCESS, TRAFFIC, 'e2b_0123456789abcdef', 'soulbox_session'];

  it('refuses a chunked body on a signed-URL GET: nothing reaches envd (request smuggling)', async () => {
    const smuggled =
      'POST /filesystem.Filesystem/MakeDir HTTP/1.1\r\nHost: envd\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{"path":"/tmp/pwned"}\n';
    const chunk = `${Buffer.byteLength(smuggled).toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
    const answer = await rawExchange(
      port,
      `GET /files?path=/etc/hostname&signature=v1_x HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: sbxpublic\r\nE2b-Sandbox-Port: 49983\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /INVALID_REQUEST_FRAMING/);
    assert.match(answer, /connection: close/i);
    assert.equal(envdSeen.length, 0);
  });

  it('refuses conflicting Content-Length and Transfer-Encoding before routing', async () => {
    const answer = await rawExchange(
      port,
      'POST /x HTTP/1.1\r\nHost: a\r\nE2b-Sandbox-Id: sbxpublic\r\nE2b-Sandbox-Port: 8000\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 400 .*INVALID_REQUEST_FRAMING/s);
    assert.equal(appSeen.length, 0);
  });

  it("gives envd only its protocol's headers plus the host's own credential", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/process.Process/List`, {
      method: 'POST',
      headers: {
        ...credentials,
        'E2b-Sandbox-Id': 'sbxpublic',
        'E2b-Sandbox-Port': '49983',
        'Content-Type': 'application/json',
        'Connect-Protocol-Version': '1',
        'X-Host-Secret': 'forged by the client',
      },
      body: '{}',
    });
    assert.equal(res.status, 200);
    const h = envdSeen[0]!.headers;
    assert.equal(h['x-host-secret'], 'h');
    assert.equal(h['connect-protocol-version'], '1');
    for (const name of ['x-api-key', 'x-access-token', 'e2b-traffic-access-token', 'authorization', 'cookie'])
      assert.equal(h[name], undefined, name);
  });

  it("strips SoulBox's credentials before a port, HTTP and WebSocket alike", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/echo`, {
      headers: { ...credentials, 'E2b-Sandbox-Id': 'sbxprivate', 'E2b-Sandbox-Port': '8000' },
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const s of secrets) assert.ok(!text.includes(s), `${s} reached the app: ${text}`);
    // Without a guard nothing says the bearer token is SoulBox's: it is the app's.
    assert.equal((JSON.parse(text) as Record<string, string>).authorization, 'Bearer some.jwt.value');
    assert.equal((JSON.parse(text) as Record<string, string>).cookie, 'app=1');

    const head = Object.entries({
      ...credentials,
      'E2b-Sandbox-Id': 'sbxprivate',
      'E2b-Sandbox-Port': '8000',
    })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const ws = await rawExchange(
      port,
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: echo\r\n${head}\r\n`,
      800,
    );
    assert.match(ws, /^HTTP\/1\.1 101 /);
    for (const s of secrets) assert.ok(!ws.includes(s), `${s} reached the app over the upgrade: ${ws}`);
  });

  it('closes an upgrade the app does not accept: the connection carries no second request', async () => {
    const answer = await rawExchange(
      port,
      'GET /no-upgrade HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\nE2b-Sandbox-Id: sbxpublic\r\nE2b-Sandbox-Port: 8000\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 426 /);
    assert.match(answer, /connection: close/i);
    assert.match(answer, /nope$/);
    assert.deepEqual(
      appSeen.map((s) => s.url),
      ['/no-upgrade'],
    );
  });

  it('answers private ports only with the traffic or access token, 49999 only with the access token', async () => {
    const get = (id: string, p: number, headers: Record<string, string> = {}, path = '/') =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        headers: { 'E2b-Sandbox-Id': id, 'E2b-Sandbox-Port': String(p), ...headers },
      });
    assert.equal((await get('sbxprivate', 8000)).status, 403);
    assert.equal((await get('sbxprivate', 8000, { 'e2b-traffic-access-token': 'wrong' })).status, 403);
    assert.equal((await get('sbxprivate', 8000, { 'e2b-traffic-access-token': TRAFFIC })).status, 200);
    assert.equal((await get('sbxprivate', 8000, { 'x-access-token': ACCESS })).status, 200);
    assert.equal((await get('sbxpublic', 8000)).status, 200);
    assert.equal((await get('sbxpublic', 49999, {}, '/execute')).status, 401);
    assert.equal((await get('sbxpublic', 49999, { 'x-access-token': ACCESS }, '/execute')).status, 200);
    // `{port}-{id}.{domain}` routing obeys the same rule (fetch may not set Host; raw bytes may).
    const byHost = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nHost: 8000-sbxprivate.localhost:3000\r\nConnection: close\r\n\r\n',
    );
    assert.match(byHost, /^HTTP\/1\.1 403 .*TRAFFIC_TOKEN_REQUIRED/s);
    assert.equal(appSeen.length, 4);
  });
});
