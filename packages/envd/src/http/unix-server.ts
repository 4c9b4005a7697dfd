import { chmod } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EnvdNative } from '../native/envd-native.js';

/**
 * Timeouts for envd's HTTP servers. Streams and uploads may run for hours, so there is no
 * request timeout; idle keep-alive connections live longer than the data plane's pool keeps
 * them (65 s > the usual 60 s), so the host never reuses a socket envd is just closing.
 */
export function configureServer(server: Server): void {
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
}

/**
 * Where a server listens: an inherited listening socket (production: the host created it,
 * see contract.ts), or a socket path (tests only; libuv removes that file on close).
 */
export type ListenTarget = { readonly fd: number } | { readonly path: string };

/**
 * Listens on `target`. An inherited descriptor is checked to be a listening unix socket and
 * marked close-on-exec first: runc passes it without FD_CLOEXEC and libuv does not add it,
 * so every process envd starts would otherwise inherit the host's channel and could accept
 * the host's connections.
 */
export async function listenOn(server: Server, target: ListenTarget, native: EnvdNative): Promise<void> {
  if ('fd' in target) {
    if (!native.isListeningUnixSocket(target.fd)) {
      throw new Error(
        `fd ${target.fd} is not a listening unix socket (envd is started by the host, which passes it)`,
      );
    }
    native.setCloexec(target.fd);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if ('path' in target) await chmod(target.path, 0o600);
}

/**
 * Stops accepting connections (idle keep-alive ones close too); resolves once every
 * connection has ended. Running requests go on until {@link dropConnections}.
 */
export function stopListening(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Cuts every remaining connection, including upgraded tunnel sockets (which the server no
 * longer tracks, though they still keep its close() pending).
 */
export function dropConnections(server: Server, upgraded: Iterable<Duplex> = []): void {
  server.closeAllConnections();
  for (const socket of upgraded) socket.destroy();
}

/** Closes a server at once (start-up failure). */
export async function closeNow(server: Server): Promise<void> {
  const closed = stopListening(server);
  dropConnections(server);
  await closed;
}
