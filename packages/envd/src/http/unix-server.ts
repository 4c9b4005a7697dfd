import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { errnoCode } from '../errors/envd-error.js';

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

/** Removes a socket file left by an earlier envd; refuses to delete anything else. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
    await unlink(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
}

/** Listens on a unix socket with mode 0600 (only the host's envd owner may connect). */
export async function listenUnix(server: Server, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await removeStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
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

/** Closes a server at once and removes its socket file. */
export async function closeUnix(
  server: Server,
  path: string,
  upgraded: Iterable<Duplex> = [],
): Promise<void> {
  const closed = stopListening(server);
  dropConnections(server, upgraded);
  await closed;
  await unlink(path).catch(() => {});
}
