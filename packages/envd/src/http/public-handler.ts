import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { Filesystem, Process } from '@soulbox/proto';
import { createEnvdRoutes } from './envd-routes.js';
import type { FilesDeps } from './files-deps.js';

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
export function createPublicHandler(
  options: PublicServerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
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
  return handler;
}
