import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TUNNEL_PROTOCOL } from '../contract.js';
import type { Logger } from '../log/logger.js';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  502: 'Bad Gateway',
};

/**
 * Answers a not-upgraded request on the raw socket with envd's JSON error, then closes it
 * fully once flushed (the client may keep its side open; the socket must not linger).
 */
function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ code: status, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
    () => socket.destroy(),
  );
}

/** Parses `/tunnel/{port}`; undefined when the path is not a tunnel path. */
export function tunnelPort(url: string | undefined): number | 'invalid' | undefined {
  const match = /^\/tunnel\/([^/?]+)(?:\?.*)?$/.exec(url ?? '');
  if (!match) return undefined;
  const text = match[1] ?? '';
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  return port >= 1 && port <= 65535 ? port : 'invalid';
}

/**
 * Handles `GET /tunnel/{port}` with `Connection: Upgrade` and `Upgrade: soulbox-tunnel`:
 * connects to 127.0.0.1:{port} inside the sandbox first (so a closed port is a plain 502),
 * then answers 101 and relays raw bytes both ways. Each direction ends on its own (a FIN
 * from one side half-closes the other); an error on either side destroys both.
 * `onOpen` receives the socket to the target of an established relay, so shutdown can
 * destroy it.
 */
export function handleTunnelUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  logger: Logger,
  onOpen: (target: Duplex) => void,
): void {
  client.on('error', () => client.destroy());
  const port = tunnelPort(req.url);
  if (req.method !== 'GET' || port === undefined) {
    refuse(client, 404, `no route for ${req.method} ${req.url}`);
    return;
  }
  if (port === 'invalid') {
    refuse(client, 400, 'port must be between 1 and 65535');
    return;
  }
  if (req.headers.upgrade?.toLowerCase() !== TUNNEL_PROTOCOL) {
    refuse(client, 400, `expected Upgrade: ${TUNNEL_PROTOCOL}`);
    return;
  }

  const target: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  let connected = false;
  target.once('connect', () => {
    connected = true;
    if (client.destroyed) return void target.destroy();
    client.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${TUNNEL_PROTOCOL}\r\n\r\n`,
    );
    if (head.length > 0) target.write(head);
    const destroyBoth = (): void => {
      client.destroy();
      target.destroy();
    };
    client.on('error', destroyBoth);
    target.on('error', destroyBoth);
    client.pipe(target);
    target.pipe(client);
    onOpen(target);
  });
  target.once('error', (error) => {
    if (connected) return;
    logger.warn('tunnel.refused', { port, err: error });
    refuse(client, 502, 'port is not open');
  });
}
