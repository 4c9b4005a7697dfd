import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { Filesystem, Process } from '@soulbox/proto';
import type { Logger } from '../log/logger.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { createControlRoutes } from './control-routes.js';
import { createEnvdRoutes } from './envd-routes.js';
import type { FilesDeps } from './files-deps.js';
import { handleTunnelUpgrade } from './tunnel.js';
import { configureServer } from './unix-server.js';

export interface PublicServerOptions {
  readonly process: ServiceImpl<typeof Process>;
  readonly filesystem: ServiceImpl<typeof Filesystem>;
  readonly files: FilesDeps;
  /** Aborted on shutdown: ends every running RPC. */
  readonly shutdownSignal: AbortSignal;
}

/**
 * The public envd API served on `envd.sock` and forwarded unchanged by the data plane:
 * the Connect services plus `/health`, `/files`, `/envs` as the adapter's fallback.
 */
export function createPublicServer(options: PublicServerOptions): Server {
  const routes = createEnvdRoutes(options.files);
  const handler = connectNodeAdapter({
    routes(router) {
      router.service(Process, options.process);
      router.service(Filesystem, options.filesystem);
    },
    // Only HTTP/1.1 servers are created here, so requests are always IncomingMessages.
    fallback: (req, res) => routes(req as IncomingMessage, res as ServerResponse),
    shutdownSignal: options.shutdownSignal,
    // Never compress responses: the hop is a local socket, and streaming responses must
    // not be compressed at all (spec §3.1). Compressed requests are still accepted.
    compressMinBytes: Number.MAX_SAFE_INTEGER,
  });
  const server = createServer(handler);
  configureServer(server);
  return server;
}

export interface ControlServer {
  readonly server: Server;
  /** Sockets of open tunnels, which the HTTP server stops tracking after the upgrade. */
  readonly tunnels: Set<Duplex>;
}

/** The host-only API on `control.sock`: `/health`, `/init`, `/tunnel/{port}`. */
export function createControlServer(state: SandboxState, logger: Logger): ControlServer {
  const server = createServer(createControlRoutes(state, logger));
  configureServer(server);
  const tunnels = new Set<Duplex>();
  server.on('upgrade', (req, socket, head) => {
    handleTunnelUpgrade(req, socket, head, logger, (sockets) => {
      for (const s of sockets) {
        tunnels.add(s);
        s.once('close', () => tunnels.delete(s));
      }
    });
  });
  return { server, tunnels };
}
