import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from './config/index.js';
import { SoulBoxError } from './errors/index.js';

/** The TLS listener, serving the same API and data plane as the plain one. */
export interface TlsListener {
  readonly url: string;
  readonly port: number;
  close(): void;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

function readPem(setting: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new SoulBoxError('INVALID_ARGUMENT', `${setting}: cannot read ${file}`, { cause: err });
  }
}

/**
 * Starts the TLS listener when `tls.port` is set. With `tls.clientCaFile`, client
 * certificates are requested and verified against it, but a handshake without one (or with
 * an untrusted one) still completes: authentication then refuses the request with a clear
 * 401 and an audit event, instead of a bare TLS alert nobody can trace.
 */
export async function startTlsListener(
  config: Config,
  handlers: {
    onRequest(req: IncomingMessage, res: ServerResponse): void;
    onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  },
): Promise<TlsListener | undefined> {
  const t = config.tls;
  if (t.port === undefined || !t.certFile || !t.keyFile) return undefined;
  const server = https.createServer(
    {
      cert: readPem('tls.certFile', t.certFile),
      key: readPem('tls.keyFile', t.keyFile),
      ...(t.clientCaFile
        ? { ca: readPem('tls.clientCaFile', t.clientCaFile), requestCert: true, rejectUnauthorized: false }
        : {}),
      noDelay: true,
      keepAliveTimeout: 65_000,
    },
    handlers.onRequest,
  );
  server.on('upgrade', handlers.onUpgrade);
  server.on('clientError', (_err, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  const host = t.host ?? config.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(t.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `https://${shown}:${port}`,
    port,
    close: () => server.close(),
    closeIdleConnections: () => server.closeIdleConnections(),
    closeAllConnections: () => server.closeAllConnections(),
  };
}
