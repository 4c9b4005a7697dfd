import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DataPlaneGuard, GuardVerdict } from '../authz/data-plane-guard.js';
import { oneShotAgent } from '../runtime/envd-endpoint.js';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { SandboxRecord } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import { envdHeaders, portHeaders, responseHeaders } from './forward-headers.js';
import { checkPortAccess } from './port-access.js';
import { framingProblem, framingRefusal } from './request-framing.js';
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

/** A response head written by hand (upgrades): status line, then each header as a line. */
function responseHead(status: number, message: string, headers: Record<string, string | string[]>): string {
  const lines = [`HTTP/1.1 ${status} ${message}`];
  for (const [k, v] of Object.entries(headers)) for (const one of [v].flat()) lines.push(`${k}: ${one}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Answers a request whose body framing is refused, and closes the connection: its unread
 * body must never be parsed as the client's next request.
 */
function refuseFraming(res: ServerResponse, problem: string): void {
  res.shouldKeepAlive = false;
  res.setHeader('connection', 'close');
  sendJson(res, 400, framingRefusal(problem));
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
        // envd gets only what its protocol reads, then the host's own credential.
        headers: { ...envdHeaders(req.rawHeaders), ...envd.headers },
      },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, responseHeaders(ures.rawHeaders));
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

  const closedPort = (rec: SandboxRecord, port: number) => ({
    sandboxId: rec.id,
    message: 'The sandbox is running but port is not open',
    port,
    code: 502,
  });

  const proxyToPort = async (
    req: IncomingMessage,
    res: ServerResponse,
    rec: SandboxRecord,
    port: number,
    dropBearer: boolean,
  ) => {
    const tunnel = await d.runtime.openTunnel(rec.id, port);
    if (!tunnel.ok) return sendJson(res, 502, closedPort(rec, port));
    if (res.closed) return tunnel.socket.destroy();
    // The tunnel lives as long as this one exchange, however it ends.
    res.on('close', () => tunnel.socket.destroy());
    // No agent: this tunnel carries this one request and closes (never another principal's).
    const upstream = http.request(
      {
        createConnection: () => tunnel.socket as never,
        method: req.method,
        path: req.url,
        headers: portHeaders(req.rawHeaders, { dropBearer }),
      },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, responseHeaders(ures.rawHeaders));
        res.flushHeaders();
        ures.pipe(res);
        ures.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => sendJson(res, 502, closedPort(rec, port)));
    track(rec.id, res, tunnel.socket);
    req.pipe(upstream);
  };

  /**
   * A WebSocket (or other) upgrade to a port: the request goes to the app as a fresh request
   * (headers filtered as for HTTP), and only a 101 answer splices the two byte streams. Any
   * other answer is passed on and the connection closed, so it never carries a second request.
   */
  const upgradeToPort = (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    rec: SandboxRecord,
    port: number,
    dropBearer: boolean,
  ) => {
    void d.runtime.openTunnel(rec.id, port).then((tunnel) => {
      if (!tunnel.ok) return rawResponse(socket, 502, closedPort(rec, port));
      if (socket.destroyed) return tunnel.socket.destroy();
      track(rec.id, socket, tunnel.socket);
      const upstream = http.request({
        createConnection: () => tunnel.socket as never,
        method: req.method,
        path: req.url,
        headers: {
          ...portHeaders(req.rawHeaders, { dropBearer }),
          connection: 'Upgrade',
          upgrade: req.headers.upgrade ?? '',
        },
      });
      upstream.on('upgrade', (ures, upSocket, upHead) => {
        socket.write(
          responseHead(101, ures.statusMessage || 'Switching Protocols', {
            ...responseHeaders(ures.rawHeaders),
            connection: 'Upgrade',
            upgrade: ures.headers.upgrade ?? '',
          }),
        );
        if (upHead.length) socket.write(upHead);
        if (head.length) upSocket.write(head);
        socket.pipe(upSocket).pipe(socket);
        socket.on('error', () => upSocket.destroy());
        upSocket.on('error', () => socket.destroy());
        socket.on('close', () => upSocket.destroy());
        upSocket.on('close', () => socket.destroy());
      });
      upstream.on('response', (ures) => {
        const headers = responseHeaders(ures.rawHeaders);
        for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-length') delete headers[k];
        socket.write(
          responseHead(ures.statusCode ?? 502, ures.statusMessage ?? '', { ...headers, connection: 'close' }),
        );
        ures.pipe(socket);
        ures.on('error', () => socket.destroy());
      });
      upstream.on('error', () => {
        if (socket.writable) rawResponse(socket, 502, closedPort(rec, port));
        else socket.destroy();
      });
      socket.on('close', () => upstream.destroy());
      upstream.end();
    });
  };

  /**
   * Runs `go` once the port's own rule and the guard allow the request (at once when both can
   * decide synchronously). `go` learns whether the request's bearer token is SoulBox's.
   */
  const guarded = (
    req: IncomingMessage,
    rec: SandboxRecord,
    port: number,
    go: (soulboxBearer: boolean) => void,
    refuse: (status: number, body: unknown) => void,
  ) => {
    if (port !== ENVD_PORT) {
      const pathname = new URL(req.url ?? '/', 'http://sandbox').pathname;
      const access = checkPortAccess(rec, port, req.method ?? 'GET', pathname, req.headers);
      if (!access.ok) return refuse(access.status, access.body);
    }
    const verdict = d.guard?.check(req, rec, port);
    const apply = (v: GuardVerdict) => (v.ok ? go(v.soulboxBearer) : refuse(v.status, v.body));
    if (verdict === undefined) return go(false);
    if (!(verdict instanceof Promise)) return apply(verdict);
    verdict.then(apply, (err: unknown) => {
      d.logger.error('data-plane guard failed', { sandboxId: rec.id, err });
      refuse(502, notFound(rec.id));
    });
  };

  return {
    match: (req) => dataPlaneTarget(req, d.domain),
    handle(req, res, target) {
      const problem = framingProblem(req.method ?? 'GET', req.rawHeaders);
      if (problem) return refuseFraming(res, problem);
      const found = lookup(target);
      if (!('rec' in found)) return sendJson(res, found.status, found.body);
      if (target.kind !== 'sandbox') return;
      const rec = found.rec;
      guarded(
        req,
        rec,
        target.port,
        (soulboxBearer) => {
          if (target.port === ENVD_PORT) return proxyToEnvd(req, res, rec);
          proxyToPort(req, res, rec, target.port, soulboxBearer).catch((err) => {
            d.logger.error('port proxy failed', { sandboxId: rec.id, err });
            sendJson(res, 502, notFound(rec.id));
          });
        },
        (status, body) => sendJson(res, status, body),
      );
    },
    handleUpgrade(req, socket, head, target) {
      const problem = framingProblem(req.method ?? 'GET', req.rawHeaders);
      if (problem) return rawResponse(socket, 400, framingRefusal(problem));
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
        (soulboxBearer) => upgradeToPort(req, socket, head, rec, target.port, soulboxBearer),
        (status, body) => rawResponse(socket, status, body),
      );
    },
    close() {
      d.sandboxes.off('gone', onGone);
      for (const id of [...inflight.keys()]) onGone(id);
    },
  };
}
