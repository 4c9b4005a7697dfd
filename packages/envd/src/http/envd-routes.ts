import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FilesDeps } from './files-deps.js';
import { handleDownload } from './files-download.js';
import { handleUpload } from './files-upload.js';
import { sendError, sendFailure, sendJson } from './json-response.js';

/**
 * The plain HTTP routes of the public envd API (everything that is not a Connect RPC):
 * `GET /health`, `GET|POST /files`, `GET /envs`. No token check here: the server's data
 * plane authenticates and forwards; envd trusts its socket.
 */
export function createEnvdRoutes(deps: FilesDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://envd');
    const method = req.method ?? 'GET';
    const route = `${method} ${url.pathname}`;
    const run = async (): Promise<void> => {
      switch (url.pathname) {
        case '/health':
          if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, 'method not allowed');
          res.writeHead(204);
          return void res.end();
        case '/envs':
          if (method !== 'GET') return sendError(res, 405, 'method not allowed');
          return sendJson(res, 200, deps.state.envVars());
        case '/files':
          if (method === 'GET' || method === 'HEAD') return handleDownload(req, res, url, deps);
          if (method === 'POST') return handleUpload(req, res, url, deps);
          return sendError(res, 405, 'method not allowed');
        default:
          return sendError(res, 404, `no route for ${route}`);
      }
    };
    run().catch((error: unknown) => sendFailure(res, error, deps.logger, route));
  };
}
