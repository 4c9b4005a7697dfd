import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { createControlRoutes } from './control-routes.js';
import type { HostAuth } from './host-auth.js';
import { handleTunnelUpgrade } from './tunnel.js';
import { configureServer } from './unix-server.js';

export interface ControlServer {
  readonly server: Server;
  /** Upgraded sockets and tunnel targets, which the HTTP server stops tracking. */
  readonly tunnels: Set<Duplex>;
}

/**
 * The host-only API on the control socket: `/health`, `/init`, `/tunnel/{port}`. Every
 * request and every upgrade must carry the host secret.
 */
export function createControlServer(state: SandboxState, auth: HostAuth, logger: Logger): ControlServer {
  const server = createServer(auth.guard(createControlRoutes(state, logger)));
  configureServer(server);
  const tunnels = new Set<Duplex>();
  const track = (socket: Duplex): void => {
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
  };
  server.on('upgrade', (req, socket, head) => {
    if (!auth.allowUpgrade(req, socket)) return;
    track(socket);
    handleTunnelUpgrade(req, socket, head, logger, track);
  });
  return { server, tunnels };
}
