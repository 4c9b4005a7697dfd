import type { IncomingMessage, ServerResponse } from 'node:http';
import { EnvdConfigError, parseEnvVars } from '../config/envd-config.js';
import { EnvdError } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';
import type { InitUpdate, SandboxState } from '../state/sandbox-state.js';
import { sendError, sendFailure } from './json-response.js';
import { tunnelPort } from './tunnel.js';

/** Largest `/init` body accepted. */
const MAX_INIT_BYTES = 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_INIT_BYTES)
      throw new EnvdError('INVALID_ARGUMENT', `body is larger than ${MAX_INIT_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new EnvdError('INVALID_ARGUMENT', 'body is not valid JSON');
  }
}

/** Validates a `POST /init` body: `{envVars?, defaultUser?, defaultWorkdir?}`, nothing else. */
export function parseInitUpdate(body: unknown): InitUpdate {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new EnvdError('INVALID_ARGUMENT', 'body must be a JSON object');
  }
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (key !== 'envVars' && key !== 'defaultUser' && key !== 'defaultWorkdir') {
      throw new EnvdError('INVALID_ARGUMENT', `unknown field '${key}'`);
    }
  }
  const { defaultUser, defaultWorkdir } = input;
  if (defaultUser !== undefined && (typeof defaultUser !== 'string' || defaultUser === '')) {
    throw new EnvdError('INVALID_ARGUMENT', 'defaultUser must be a non-empty string');
  }
  if (
    defaultWorkdir !== undefined &&
    (typeof defaultWorkdir !== 'string' || !/^(\/|$)/.test(defaultWorkdir))
  ) {
    throw new EnvdError('INVALID_ARGUMENT', 'defaultWorkdir must be an absolute path or ""');
  }
  let envVars: Record<string, string> | undefined;
  try {
    envVars = input.envVars === undefined ? undefined : parseEnvVars(input.envVars, 'envVars');
  } catch (error) {
    if (error instanceof EnvdConfigError) throw new EnvdError('INVALID_ARGUMENT', error.message);
    throw error;
  }
  return { envVars, defaultUser, defaultWorkdir };
}

/**
 * The host-only control API on `control.sock`: `GET /health` and `POST /init`. Tunnels are
 * upgrades and handled by the server's `upgrade` event (tunnel.ts); a tunnel path without
 * the upgrade headers gets 426.
 */
export function createControlRoutes(
  state: SandboxState,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const route = `${method} ${path}`;
    const run = async (): Promise<void> => {
      if (path === '/health') {
        if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, 'method not allowed');
        res.writeHead(204);
        return void res.end();
      }
      if (path === '/init') {
        if (method !== 'POST') return sendError(res, 405, 'method not allowed');
        const update = parseInitUpdate(await readJson(req));
        state.applyInit(update);
        logger.info('envd.init', {
          envVars: Object.keys(update.envVars ?? {}),
          defaultUser: state.defaultUser,
          defaultWorkdir: state.defaultWorkdir,
        });
        res.writeHead(204);
        return void res.end();
      }
      if (tunnelPort(req.url) !== undefined) {
        return sendError(res, 426, 'tunnel needs Connection: Upgrade and Upgrade: soulbox-tunnel');
      }
      return sendError(res, 404, `no route for ${route}`);
    };
    run().catch((error: unknown) => sendFailure(res, error, logger, route));
  };
}
