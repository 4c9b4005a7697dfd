import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * envd's two servers in a sandbox: `api` serves E2B's envd protocol (what port 49983 means
 * to the SDKs), `control` serves the host's own calls (init, health) and port tunnels.
 */
export type EnvdChannel = 'api' | 'control';

/** How the host reaches one of envd's servers. Only `runtime/` knows where that is. */
export interface EnvdEndpoint {
  /**
   * Opens a fresh connection. Callers never pool these across requests of different
   * principals: one request's bytes must not be read as another's.
   */
  connect(): Duplex;
  /** Headers every request on such a connection must carry (the host↔envd credential). */
  readonly headers: Readonly<Record<string, string>>;
}

/** An endpoint on a unix socket path the host alone controls. */
export function unixEndpoint(
  socketPath: string,
  headers: Readonly<Record<string, string>> = {},
): EnvdEndpoint {
  return { connect: () => net.connect(socketPath), headers };
}

/**
 * An HTTP agent that gives every request its own connection to envd and closes it when the
 * exchange is over, so no connection ever carries two requests.
 *
 * It asks for keep-alive all the same: with `Connection: close`, envd answers and closes
 * while the host may still be writing the request's last (empty) chunk, and the host then
 * sees EPIPE instead of the answer. Here the host closes, after the answer.
 */
export function oneShotAgent(endpoint: EnvdEndpoint): http.Agent {
  const agent = new http.Agent({ keepAlive: true });
  agent.createConnection = () => endpoint.connect() as never;
  agent.keepSocketAlive = () => false;
  return agent;
}
