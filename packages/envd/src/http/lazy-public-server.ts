import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HostAuth } from './host-auth.js';
import { configureServer } from './unix-server.js';

/** Builds the request handler of the public API (loads the Connect stack). */
export type PublicHandlerLoader = () => Promise<(req: IncomingMessage, res: ServerResponse) => void>;

/**
 * The public envd server on `envd.sock`, with its handler loaded on the first request.
 * Loading the Connect stack and the protobuf descriptors costs about 5 MiB per envd; an idle
 * sandbox (warm-pool sandboxes above all) never pays it. `GET /health` is answered without
 * loading anything, since the SDK probes it to tell a live sandbox from a dead one. Every
 * request, `/health` included, must carry the host secret.
 */
export function createLazyPublicServer(load: PublicHandlerLoader, auth: HostAuth): Server {
  let handler: Promise<(req: IncomingMessage, res: ServerResponse) => void> | undefined;
  const server = createServer(
    auth.guard((req, res) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && req.url === '/health') {
        res.writeHead(204).end();
        return;
      }
      handler ??= load();
      handler.then(
        (h) => h(req, res),
        (err: unknown) => {
          handler = undefined;
          const body = JSON.stringify({
            code: 500,
            message: `envd could not load its API: ${(err as Error).message}`,
          });
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(body);
        },
      );
    }),
  );
  configureServer(server);
  return server;
}
