import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HOST_SECRET_HEADER } from '@soulbox/envd';
import type { DataPlaneGuard, GuardVerdict } from '../authz/data-plane-guard.js';
import { oneShotAgent } from '../runtime/envd-endpoint.js';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { SandboxRecord } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import { checkEnvdAccess } from './signature.js';
import { type DataPlaneTarget, dataPlaneTarget, ENVD_PORT } from './target.js';

/** Dependencies of the data plane. */
export interface DataPlaneDeps {
  sandboxes: SandboxManager;
  runtime: SandboxRuntime;
  /** Domain for `{port}-{id}.{domain}` hosts. */
  domain: string;
  logger: Logger;
  /** Sees each envd response as it is forwarded (the sandbox logs tap process output here). */
  observeEnvd?: (sandboxId: string, rpcPath: string, res: IncomingMessage) => void;
  /** Tenant isolation, RBAC and audit on top of envd's token check (identity and governance). */
  guard?: DataPlaneGuard;
}

/** Routes data-plane requests to envd or, through envd, to a port inside the sandbox. */
export interface DataPlane {
  /** The target, or undefined when the request is for the REST API. */
  match(req: IncomingMessage): DataPlaneTarget | undefined;
  handle(req: IncomingMessage, res: ServerResponse, target: DataPlaneTarget): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: DataPlaneTarget): void;
  close(): void;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Headers never copied from a client: the host↔envd secret is the runtime's to set
 * (a client's own value must not reach envd or sandbox code, even a wrong one).
 */
function forwardHeaders(
  h: IncomingHttpHeaders,
  drop: readonly string[] = [],
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k === HOST_SECRET_HEADER || drop.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
  });
  res.end(data);
}

function rawResponse(socket: Duplex, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(data)}\r\nconnection: close\r\n\r\n${data}`,
  );
}

/** Creates the data plane; it cuts every in-flight stream of a sandbox when the sandbox goes. */
export function createDataPlane(d: DataPlaneDeps): DataPlane {
  type Cuttable = Duplex | http.ClientRequest | ServerResponse;
  const inflight = new Map<string, Set<Cuttable>>();

  // Tracks what to destroy when the sandbox goes. Responses, not client sockets: a keep-alive
  // socket outlives the request and may serve another sandbox next.
  const track = (id: string, ...items: Cuttable[]) => {
    let set = inflight.get(id);
    if (!set) {
      set = new Set();
      inflight.set(id, set);
    }
    for (const it of items) {
      set.add(it);
      it.once('close', () => {
        set.delete(it);
        if (set.size === 0 && inflight.get(id) === set) inflight.delete(id);
      });
    }
  };

  const onGone = (id: string) => {
    // Destroy (never end) the sockets: the SDK reads a cut stream plus a 502 from /health as
    // "the sandbox was killed", which is what happened.
    for (const it of inflight.get(id) ?? []) it.destroy();
    inflight.delete(id);
  };
  d.sandboxes.on('gone', onGone);

  const notFound = (id: string, message = 'The sandbox was not found') => ({
    sandboxId: id,
    message,
    code: 502,
  });

  /** The live, running sandbox, or an error answer. */
  const lookup = (target: DataPlaneTarget): { rec: SandboxRecord } | { status: number; body: unknown } => {
    if (target.kind === 'error') return { status: 400, body: { code: 400, message: target.message } };
    const rec = d.sandboxes.find(target.sandboxId);
    if (!rec) return { status: 502, body: notFound(target.sandboxId) };
    if (rec.state !== 'running')
      return { status: 502, body: notFound(target.sandboxId, 'The sandbox is paused') };
    return { rec };
  };

  const proxyToEnvd = (req: IncomingMessage, res: ServerResponse, rec: SandboxRecord) => {
    const url = new URL(req.url ?? '/', 'http://envd');
    const access = checkEnvdAccess({
      accessToken: rec.accessToken,
      method: req.method ?? 'GET',
      url,
      headerToken:
        typeof req.headers['x-access-token'] === 'string' ? req.headers['x-access-token'] : undefined,
    });
    if (!access.ok) return sendJson(res, 401, { code: 401, message: access.message });
    const envd = d.runtime.envdEndpoint(rec.id, 'api');
    // A fresh connection per request: upstream sockets are never shared between principals.
    const upstream = http.request(
      {
        agent: oneShotAgent(envd),
        method: req.method,
        path: req.url,
        headers: {
          ...forwardHeaders(req.headers, ['x-access-token', 'e2b-sandbox-id', 'e2b-sandbox-port']),
          ...envd.headers,
        },
      },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, forwardHeaders(ures.headers));
        res.flushHeaders();
        d.observeEnvd?.(rec.id, url.pathname, ures);
        ures.pipe(res);
        ures.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (err) => {
      d.logger.debug('envd request failed', { sandboxId: rec.id, err: err.message });
      sendJson(res, 502, notFound(rec.id));
    });
    track(rec.id, res, upstream);
    req.pipe(upstream);
    req.on('error', () => upstream.destroy());
  };

  const proxyToPort = async (req: IncomingMessage, res: ServerResponse, rec: SandboxRecord, port: number) => {
    const tunnel = await d.runtime.openTunnel(rec.id, port);
    if (!tunnel.ok) {
      return sendJson(res, 502, {
        sandboxId: rec.id,
        message: 'The sandbox is running but port is not open',
        port,
        code: 502,
      });
    }
    const upstream = http.request(
      {
        createConnection: () => tunnel.socket as never,
        method: req.method,
        path: req.url,
        headers: forwardHeaders(req.headers, [
          'e2b-sandbox-id',
          'e2b-sandbox-port',
          'e2b-traffic-access-token',
        ]),
      },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, forwardHeaders(ures.headers));
        res.flushHeaders();
        ures.pipe(res);
        ures.on('error', () => res.destroy());
        res.on('close', () => tunnel.socket.destroy());
      },
    );
    upstream.on('error', () =>
      sendJson(res, 502, {
        sandboxId: rec.id,
        message: 'The sandbox is running but port is not open',
        port,
        code: 502,
      }),
    );
    track(rec.id, res, tunnel.socket);
    req.pipe(upstream);
  };

  const upgradeToPort = (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    rec: SandboxRecord,
    port: number,
  ) => {
    void d.runtime.openTunnel(rec.id, port).then((tunnel) => {
      if (!tunnel.ok) {
        return rawResponse(socket, 502, {
          sandboxId: rec.id,
          message: 'The sandbox is running but port is not open',
          port: port,
          code: 502,
        });
      }
      // Replay the request head as received, then splice the two byte streams together.
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        if (/^e2b-sandbox-(id|port)$/i.test(name) || name.toLowerCase() === HOST_SECRET_HEADER) continue;
        lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
      }
      tunnel.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) tunnel.socket.write(head);
      socket.pipe(tunnel.socket).pipe(socket);
      socket.on('error', () => tunnel.socket.destroy());
      tunnel.socket.on('error', () => socket.destroy());
      socket.on('close', () => tunnel.socket.destroy());
      tunnel.socket.on('close', () => socket.destroy());
      track(rec.id, socket, tunnel.socket);
    });
  };

  /** Runs `go` once the guard allows the request (at once when it can decide synchronously). */
  const guarded = (
    req: IncomingMessage,
    rec: SandboxRecord,
    port: number,
    go: () => void,
    refuse: (status: number, body: unknown) => void,
  ) => {
    const verdict = d.guard?.check(req, rec, port);
    const apply = (v: GuardVerdict) => (v.ok ? go() : refuse(v.status, v.body));
    if (verdict === undefined) return go();
    if (!(verdict instanceof Promise)) return apply(verdict);
    verdict.then(apply, (err: unknown) => {
      d.logger.error('data-plane guard failed', { sandboxId: rec.id, err });
      refuse(502, notFound(rec.id));
    });
  };

  return {
    match: (req) => dataPlaneTarget(req, d.domain),
    handle(req, res, target) {
      const found = lookup(target);
      if (!('rec' in found)) return sendJson(res, found.status, found.body);
      if (target.kind !== 'sandbox') return;
      const rec = found.rec;
      guarded(
        req,
        rec,
        target.port,
        () => {
          if (target.port === ENVD_PORT) return proxyToEnvd(req, res, rec);
          proxyToPort(req, res, rec, target.port).catch((err) => {
            d.logger.error('port proxy failed', { sandboxId: rec.id, err });
            sendJson(res, 502, notFound(rec.id));
          });
        },
        (status, body) => sendJson(res, status, body),
      );
    },
    handleUpgrade(req, socket, head, target) {
      const found = lookup(target);
      if (!('rec' in found)) return rawResponse(socket, found.status, found.body);
      if (target.kind !== 'sandbox' || target.port === ENVD_PORT) {
        return rawResponse(socket, 400, { code: 400, message: 'upgrade is not supported on this port' });
      }
      const rec = found.rec;
      guarded(
        req,
        rec,
        target.port,
        () => upgradeToPort(req, socket, head, rec, target.port),
        (status, body) => rawResponse(socket, status, body),
      );
    },
    close() {
      d.sandboxes.off('gone', onGone);
      for (const id of [...inflight.keys()]) onGone(id);
    },
  };
}
