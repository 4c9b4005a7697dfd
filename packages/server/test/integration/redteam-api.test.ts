/**
 * Red team of the API side of the isolation boundary (issue 10, items 4–8 and 11): each
 * attack is performed as an attacker would, with the official SDK, plain HTTP and raw
 * sockets, and must fail without leaking anything.
 *
 * The server runs as a careful operator would set it up: `secure: false` refused, ports
 * private unless a create says otherwise, bearer tokens on, small upload bounds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { issueKey } from '../helpers/admin.js';
import { startTestServer, TEST_DATA_DIR, type TestServer } from '../helpers/harness.js';
import {
  conn,
  createSdkSandbox,
  killQuietly,
  rejection,
  SDKS,
  type SdkSandbox,
  sandboxHeaders,
  waitFor,
} from '../helpers/sdk.js';

const sdk = SDKS[0]!.sdk;
const legacy = SDKS[1]!.sdk;
const ENVD = 49983;
const APP_PORT = 8000;
const JWT_SECRET = 'redteam-jwt-secret-0123456789abcdef0123456789';
const JWT_ISSUER = 'soulbox-redteam';

/** An app for port 8000 that answers every request (and a WebSocket-style upgrade) with the headers it got. */
const ECHO_APP = `
import http.server, json
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def seen(self):
        with open('/tmp/seen.log', 'a') as f:
            f.write(self.command + ' ' + self.path + '\\n')
        return [[k, v] for k, v in self.headers.items()]
    def do_GET(self):
        headers = self.seen()
        if self.headers.get('Upgrade'):
            self.send_response(101)
            self.send_header('Upgrade', self.headers['Upgrade'])
            self.send_header('Connection', 'Upgrade')
            self.end_headers()
            self.wfile.write((json.dumps(headers) + '\\n').encode())
            self.wfile.flush()
            self.close_connection = True
            return
        body = json.dumps(headers).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('0.0.0.0', ${APP_PORT}), H).serve_forever()
`;

/** Writes raw bytes to the server and collects what comes back until it closes (or `waitMs`). */
function rawExchange(url: string, bytes: string | Buffer, waitMs = 5000): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname);
    let out = '';
    const timer = setTimeout(() => s.destroy(), waitMs);
    s.on('data', (d) => {
      out += d.toString('latin1');
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.on('error', () => {});
    s.write(bytes);
  });
}

/** A Connect server-streaming request body: one enveloped JSON message. */
function envelope(message: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(json.length, 1);
  return Buffer.concat([head, json]);
}

/** Asks envd through the data plane to run `touch <file>`, with whatever credentials given. */
function startTouch(t: TestServer, id: string, file: string, headers: Record<string, string> = {}) {
  return fetch(`${t.url}/process.Process/Start`, {
    method: 'POST',
    headers: {
      ...sandboxHeaders(id, ENVD),
      'Content-Type': 'application/connect+json',
      'Connect-Protocol-Version': '1',
      ...headers,
    },
    body: envelope({ process: { cmd: '/bin/touch', args: [file] } }),
  });
}

/** The envd token the SDK holds (TypeScript calls it protected; it is a plain field). */
function envdToken(sbx: SdkSandbox): string {
  const token = (sbx as unknown as { envdAccessToken?: string }).envdAccessToken;
  assert.ok(token, `sandbox ${sbx.sandboxId} has no envd access token`);
  return token;
}

function errorCode(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error_code?: string }).error_code;
  } catch {
    return undefined;
  }
}

describe('red team: API, data plane and control-plane bounds', () => {
  let t: TestServer;
  const live = new Set<string>();
  const create = async (opts: Parameters<typeof createSdkSandbox>[2] = {}) => {
    const sbx = await createSdkSandbox(sdk, t, opts);
    live.add(sbx.sandboxId);
    return sbx;
  };
  const kill = async (id: string) => {
    live.delete(id);
    await killQuietly(sdk, t, id);
  };
  /** Starts the echo app in a sandbox and waits until it answers (with the sandbox's own credential). */
  const startEchoApp = async (sbx: SdkSandbox) => {
    await sbx.files.write('/tmp/echo.py', ECHO_APP);
    await sbx.commands.run('python3 /tmp/echo.py', { background: true });
    await waitFor(
      'the echo app',
      async () => {
        const r = await fetch(t.url, {
          headers: {
            ...sandboxHeaders(sbx.sandboxId, APP_PORT),
            'e2b-traffic-access-token': sbx.trafficAccessToken ?? '',
          },
        });
        return r.status === 200 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  };
  const soulboxJwt = () =>
    new SignJWT({ sub: 'redteam', tenant: 'default', roles: ['developer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(JWT_ISSUER)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JWT_SECRET));

  before(async () => {
    t = await startTestServer({
      sandbox: { allowInsecure: false, defaultAllowPublicTraffic: false },
      pool: { templates: { base: { min: 1, max: 1 } } },
      auth: { jwt: { hs256Secrets: [JWT_SECRET], issuer: JWT_ISSUER } },
      uploads: { maxFileMiB: 1 },
    });
  });
  after(async () => {
    for (const id of live) await killQuietly(sdk, t, id);
    await t?.close();
  });

  it('keeps the store, the admin key and the data dir away from other host users', () => {
    const mode = (f: string) => fs.statSync(f).mode & 0o777;
    assert.equal(mode(path.join(TEST_DATA_DIR, 'soulbox.db')), 0o600);
    for (const journal of ['soulbox.db-wal', 'soulbox.db-shm']) {
      const f = path.join(TEST_DATA_DIR, journal);
      if (fs.existsSync(f)) assert.equal(mode(f), 0o600, journal);
    }
    assert.equal(mode(path.join(TEST_DATA_DIR, 'admin-key')), 0o600);
    // Traversable (runc enters sandbox dirs as the sandbox's mapped root), never listable.
    assert.equal(mode(TEST_DATA_DIR), 0o711);
  });

  it('secures a sandbox created without `secure`: an anonymous caller reaches neither envd nor its ports', async () => {
    // The request of the original report: v1 create, no `secure` field.
    const res = await fetch(`${t.url}/sandboxes`, {
      method: 'POST',
      headers: { 'X-API-KEY': t.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ templateID: 'base' }),
    });
    assert.equal(res.status, 201);
    const created = (await res.json()) as {
      sandboxID: string;
      envdAccessToken?: string;
      trafficAccessToken: string | null;
    };
    live.add(created.sandboxID);
    try {
      assert.match(created.envdAccessToken ?? '', /^[0-9a-f]{64}$/);
      assert.match(
        created.trafficAccessToken ?? '',
        /^[0-9a-f]{64}$/,
        "the operator's default: private ports",
      );
      const id = created.sandboxID;
      assert.equal((await startTouch(t, id, '/tmp/anonymous')).status, 401);
      for (const p of ['/envs', '/files?path=/etc/hostname&username=user']) {
        const r = await fetch(`${t.url}${p}`, { headers: sandboxHeaders(id, ENVD) });
        assert.equal(r.status, 401, p);
      }
      const port = await fetch(t.url, { headers: sandboxHeaders(id, APP_PORT) });
      assert.equal(port.status, 403);
      assert.equal(errorCode(await port.text()), 'TRAFFIC_TOKEN_REQUIRED');
      const ci = await fetch(`${t.url}/execute`, {
        method: 'POST',
        headers: { ...sandboxHeaders(id, 49999), 'Content-Type': 'application/json' },
        body: JSON.stringify({ code: 'import os; os.system("touch /tmp/anonymous")' }),
      });
      assert.equal(ci.status, 401);
      const sbx = await sdk.Sandbox.connect(id, conn(t));
      assert.equal(await sbx.files.exists('/tmp/anonymous'), false);
    } finally {
      await kill(created.sandboxID);
    }
  });

  it('refuses `secure: false` when the operator forbids it; SDK 2.39 (which sends `secure`) still works', async () => {
    const r = await fetch(`${t.url}/sandboxes`, {
      method: 'POST',
      headers: { 'X-API-KEY': t.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ templateID: 'base', secure: false }),
    });
    assert.equal(r.status, 403);
    assert.equal(errorCode(await r.text()), 'INSECURE_SANDBOX_REFUSED');
    await rejection(legacy.Sandbox.create({ ...conn(t), secure: false }));
    const sbx = await legacy.Sandbox.create(conn(t));
    live.add(sbx.sandboxId);
    try {
      assert.equal((await sbx.commands.run('echo ok')).stdout.trim(), 'ok');
    } finally {
      await kill(sbx.sandboxId);
    }
  });

  it('shows a viewer sandboxes without tokens, and a viewer runs a command by no route', async () => {
    const viewer = (await issueKey(t, 'default', 'viewer')).key;
    const sbx = await create({ network: { allowPublicTraffic: false } });
    const id = sbx.sandboxId;
    try {
      const tokens = [envdToken(sbx), sbx.trafficAccessToken as string];
      assert.ok(tokens.every((x) => typeof x === 'string' && x.length === 64));
      const asViewer = (method: string, p: string, body?: unknown) =>
        fetch(`${t.url}${p}`, {
          method,
          headers: { 'X-API-KEY': viewer, 'Content-Type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      for (const p of [
        `/sandboxes/${id}`,
        `/v2/sandboxes/${id}`,
        '/v2/sandboxes',
        '/sandboxes',
        `/sandboxes/${id}/logs`,
      ]) {
        const r = await asViewer('GET', p);
        assert.equal(r.status, 200, p);
        const text = await r.text();
        assert.ok(text.includes(id), p);
        for (const tok of tokens) assert.ok(!text.includes(tok), `${p} leaked a token to a viewer`);
      }
      for (const p of [`/sandboxes/${id}/connect`, `/v2/sandboxes/${id}/connect`, `/sandboxes/${id}/resume`])
        assert.equal((await asViewer('POST', p, { timeout: 60 })).status, 403, p);
      await rejection(sdk.Sandbox.connect(id, { ...conn(t), apiKey: viewer }));
      await rejection(legacy.Sandbox.connect(id, { ...conn(t), apiKey: viewer }));
      // The data plane with the viewer's key, and with nothing: no command starts.
      assert.equal((await startTouch(t, id, '/tmp/viewer', { 'X-API-KEY': viewer })).status, 403);
      assert.equal((await startTouch(t, id, '/tmp/viewer')).status, 401);
      const ci = await fetch(`${t.url}/execute`, {
        method: 'POST',
        headers: { ...sandboxHeaders(id, 49999), 'X-API-KEY': viewer, 'Content-Type': 'application/json' },
        body: JSON.stringify({ code: 'print(1)' }),
      });
      assert.equal(ci.status, 401);
      assert.equal(await sbx.files.exists('/tmp/viewer'), false);
      // The developer who made it gets both tokens back on get and connect.
      const detail = (await (
        await fetch(`${t.url}/sandboxes/${id}`, { headers: { 'X-API-KEY': t.apiKey } })
      ).json()) as { envdAccessToken?: string; trafficAccessToken?: string };
      assert.deepEqual([detail.envdAccessToken, detail.trafficAccessToken], tokens);
      const again = await sdk.Sandbox.connect(id, conn(t));
      assert.deepEqual([envdToken(again), again.trafficAccessToken], tokens);
    } finally {
      await kill(id);
    }
  });

  it('answers private ports only with the right token, over headers, host names and upgrades; 49999 only with X-Access-Token', async () => {
    const sbx = await create({ network: { allowPublicTraffic: false } });
    const id = sbx.sandboxId;
    try {
      await startEchoApp(sbx);
      const traffic = sbx.trafficAccessToken as string;
      const get = async (headers: Record<string, string>) => {
        const r = await fetch(t.url, { headers: { ...sandboxHeaders(id, APP_PORT), ...headers } });
        return { status: r.status, body: await r.text() };
      };
      const none = await get({});
      assert.equal(none.status, 403);
      assert.match(none.body, /Token header 'e2b-traffic-access-token' is missing/);
      const wrong = await get({
        'e2b-traffic-access-token': traffic.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      });
      assert.equal(wrong.status, 403);
      assert.match(wrong.body, /Provided token is invalid/);
      assert.equal((await get({ 'e2b-traffic-access-token': traffic })).status, 200);
      assert.equal((await get({ 'X-Access-Token': envdToken(sbx) })).status, 200);
      // Browser-style host routing.
      const host = `${APP_PORT}-${id}.localhost:${t.server.port}`;
      const byHost = await rawExchange(t.url, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.match(byHost, /^HTTP\/1\.1 403 /);
      const byHostOk = await rawExchange(
        t.url,
        `GET / HTTP/1.1\r\nHost: ${host}\r\ne2b-traffic-access-token: ${traffic}\r\nConnection: close\r\n\r\n`,
      );
      assert.match(byHostOk, /^HTTP\/1\.1 200 /);
      // Upgrades are held to the same rule.
      const upgrade = (extra: string) =>
        rawExchange(
          t.url,
          `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nE2b-Sandbox-Id: ${id}\r\nE2b-Sandbox-Port: ${APP_PORT}\r\n${extra}\r\n`,
        );
      assert.match(await upgrade(''), /^HTTP\/1\.1 403 /);
      assert.match(await upgrade(`e2b-traffic-access-token: ${traffic}\r\n`), /^HTTP\/1\.1 101 /);
      // Port 49999 is code execution: the traffic token does not open it.
      const ci = (headers: Record<string, string>) =>
        fetch(`${t.url}/execute`, {
          method: 'POST',
          headers: { ...sandboxHeaders(id, 49999), 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ code: 'print(1)' }),
        });
      assert.equal((await ci({})).status, 401);
      assert.equal((await ci({ 'e2b-traffic-access-token': traffic })).status, 401);
    } finally {
      await kill(id);
    }
  });

  it('opens ports to anyone only when the create asks for public traffic', async () => {
    const sbx = await create({ network: { allowPublicTraffic: true } });
    try {
      assert.equal(sbx.trafficAccessToken, undefined);
      await startEchoApp(sbx);
      assert.equal((await fetch(t.url, { headers: sandboxHeaders(sbx.sandboxId, APP_PORT) })).status, 200);
    } finally {
      await kill(sbx.sandboxId);
    }
  });

  it('refuses a chunked body on a signed read URL: the smuggled MakeDir never runs', async () => {
    const sbx = await create();
    const id = sbx.sandboxId;
    try {
      const url = new URL(await sbx.downloadUrl('/etc/hostname'));
      assert.ok(url.searchParams.has('signature'));
      const target = `${url.pathname}${url.search}`;
      const ok = await fetch(`${t.url}${target}`, { headers: sandboxHeaders(id, ENVD) });
      assert.equal(ok.status, 200, 'the signed URL itself is valid');
      const inner = JSON.stringify({ path: '/tmp/smuggled' });
      const smuggled =
        'POST /filesystem.Filesystem/MakeDir HTTP/1.1\r\nHost: envd\r\nContent-Type: application/json\r\n' +
        `Connect-Protocol-Version: 1\r\nContent-Length: ${Buffer.byteLength(inner)}\r\n\r\n${inner}`;
      const chunk = `${Buffer.byteLength(smuggled).toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
      const answer = await rawExchange(
        t.url,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: ${id}\r\nE2b-Sandbox-Port: ${ENVD}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`,
      );
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.equal(errorCode(answer.slice(answer.indexOf('\r\n\r\n') + 4)), 'INVALID_REQUEST_FRAMING');
      // Content-Length and Transfer-Encoding together, the classic desync: refused by the parser.
      const clte = await rawExchange(
        t.url,
        `POST /filesystem.Filesystem/Stat HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: ${id}\r\nE2b-Sandbox-Port: ${ENVD}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
      );
      assert.match(clte, /^HTTP\/1\.1 400 /);
      assert.equal(await sbx.files.exists('/tmp/smuggled'), false);
    } finally {
      await kill(id);
    }
  });

  it("never lets SoulBox's credentials reach code in the sandbox (HTTP and WebSocket), but leaves the app's own", async () => {
    const sbx = await create({ network: { allowPublicTraffic: false } });
    const id = sbx.sandboxId;
    try {
      await startEchoApp(sbx);
      const jwt = await soulboxJwt();
      const traffic = sbx.trafficAccessToken as string;
      const access = envdToken(sbx);
      const secrets = [t.apiKey, jwt, traffic, access, 'soulbox_session'];
      const seenBy = (text: string) => secrets.filter((s) => text.includes(s));
      // Every credential at once, as a careless client would send them.
      const head = {
        'X-API-KEY': t.apiKey,
        Authorization: `Bearer ${jwt}`,
        'e2b-traffic-access-token': traffic,
        'X-Access-Token': access,
        Cookie: 'soulbox_session=abc; app_cookie=1',
        'X-App-Header': 'kept',
      };
      const r = await fetch(t.url, { headers: { ...sandboxHeaders(id, APP_PORT), ...head } });
      assert.equal(r.status, 200);
      const text = await r.text();
      assert.deepEqual(seenBy(text), [], text);
      assert.match(text, /app_cookie=1/);
      assert.match(text, /X-App-Header", "kept/);
      // The SoulBox bearer token alone is a credential too, and is removed all the same.
      const alone = await fetch(t.url, {
        headers: {
          ...sandboxHeaders(id, APP_PORT),
          Authorization: `Bearer ${jwt}`,
          'e2b-traffic-access-token': traffic,
        },
      });
      assert.deepEqual(seenBy(await alone.text()), []);
      // The app's own bearer token is not SoulBox's: it reaches the app.
      const own = await fetch(t.url, {
        headers: {
          ...sandboxHeaders(id, APP_PORT),
          Authorization: 'Bearer app-session-42',
          'e2b-traffic-access-token': traffic,
        },
      });
      assert.match(await own.text(), /Bearer app-session-42/);
      // The same over an upgrade (the request head is rebuilt, never replayed raw).
      const lines = Object.entries(head)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      const ws = await rawExchange(
        t.url,
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nE2b-Sandbox-Id: ${id}\r\nE2b-Sandbox-Port: ${APP_PORT}\r\n${lines}\r\n`,
      );
      assert.match(ws, /^HTTP\/1\.1 101 /);
      assert.match(ws, /app_cookie=1/);
      assert.deepEqual(seenBy(ws), [], ws);
      // A smuggling attempt through a port: refused, and the app never sees the hidden request.
      const hidden = 'GET /smuggled-through-port HTTP/1.1\r\nHost: app\r\n\r\n';
      const viaPort = await rawExchange(
        t.url,
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: ${id}\r\nE2b-Sandbox-Port: ${APP_PORT}\r\ne2b-traffic-access-token: ${traffic}\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(hidden).toString(16)}\r\n${hidden}\r\n0\r\n\r\n`,
      );
      assert.match(viaPort, /^HTTP\/1\.1 400 /);
      const seen = await sbx.files.read('/tmp/seen.log');
      assert.ok(!seen.includes('smuggled'), seen);
    } finally {
      await kill(id);
    }
  });

  it('issues fresh tokens when a warm sandbox is claimed', async () => {
    const pool = t.server.sandboxes.pool;
    const claim = async () => {
      await waitFor(
        'a warm base sandbox',
        () =>
          pool.levels().some((l) => l.templateId === 'base' && l.networkMode === 'bridge' && l.ready > 0)
            ? true
            : undefined,
        {
          timeoutMs: 120_000,
          intervalMs: 250,
        },
      );
      const hits = pool.hits;
      const sbx = await create({ network: { allowPublicTraffic: false } });
      assert.equal(pool.hits, hits + 1, 'taken from the pool');
      return sbx;
    };
    const a = await claim();
    try {
      const b = await claim();
      try {
        for (const s of [a, b]) {
          assert.match(envdToken(s), /^[0-9a-f]{64}$/);
          assert.match(s.trafficAccessToken ?? '', /^[0-9a-f]{64}$/);
        }
        assert.notEqual(envdToken(a), envdToken(b));
        assert.notEqual(a.trafficAccessToken, b.trafficAccessToken);
        // A's token opens nothing of B's.
        assert.equal(
          (await startTouch(t, b.sandboxId, '/tmp/cross', { 'X-Access-Token': envdToken(a) })).status,
          502,
        );
        assert.equal((await b.commands.run('echo claimed')).stdout.trim(), 'claimed');
      } finally {
        await kill(b.sandboxId);
      }
    } finally {
      await kill(a.sandboxId);
    }
  });

  it('cuts oversized bodies at the limit while they stream, and reads none past it', async () => {
    const u = new URL(t.url);
    /** Streams chunks until the server answers; resolves with the answer and the bytes sent. */
    const stream = (head: string) =>
      new Promise<{ answer: string; sent: number }>((resolve) => {
        const s = net.connect(Number(u.port), u.hostname);
        let answer = '';
        let sent = 0;
        let stop = false;
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const framed = Buffer.concat([
          Buffer.from(`${chunk.length.toString(16)}\r\n`),
          chunk,
          Buffer.from('\r\n'),
        ]);
        const pump = () => {
          // Never the final chunk: the body does not end, so only counting can cut it.
          while (!stop && sent < 256 * 2 ** 20) {
            sent += chunk.length;
            if (!s.write(framed)) return void s.once('drain', pump);
          }
        };
        s.on('data', (d) => {
          answer += d.toString('latin1');
          stop = true;
        });
        s.on('close', () => resolve({ answer, sent }));
        s.on('error', () => {
          stop = true;
        });
        s.write(head);
        pump();
      });
    const json = await stream(
      `POST /v2/sandboxes HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-KEY: ${t.apiKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    assert.match(json.answer, /^HTTP\/1\.1 413 /);
    assert.match(json.answer, /PAYLOAD_TOO_LARGE/);
    assert.ok(json.sent < 64 * 2 ** 20, `the server took ${json.sent} bytes of a 1 MiB-limited body`);

    // Uploads go to a template the caller owns: register one (no build is started).
    const registered = await fetch(`${t.url}/v3/templates`, {
      method: 'POST',
      headers: { 'X-API-KEY': t.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'redteam' }),
    });
    assert.equal(registered.status, 202, await registered.text());
    const upload = await stream(
      `PUT /templates/redteam/files/redteam-oversized-0001 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-KEY: ${t.apiKey}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    assert.match(upload.answer, /^HTTP\/1\.1 413 /);
    assert.ok(upload.sent < 64 * 2 ** 20, `the upload took ${upload.sent} bytes past uploads.maxFileMiB = 1`);

    // A declared length over the limit is refused before a byte of the body is sent.
    const declared = await rawExchange(
      t.url,
      `POST /admin/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-KEY: ${t.apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${100 * 2 ** 20}\r\n\r\n`,
    );
    assert.match(declared, /^HTTP\/1\.1 413 /);
    assert.match(declared, /connection: close/i);
  });
});
