import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EnvdError, ERROR_CODES } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';
import type { ContextInfo, Contexts } from './contexts.js';
import { openExecuteStream } from './execute-stream.js';

/** Largest request body (a cell of code) accepted. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Errors on this port are plain text, as upstream's server sends them (the SDK shows the body). */
function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new EnvdError('INVALID_ARGUMENT', `body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EnvdError('INVALID_ARGUMENT', 'body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvdError('INVALID_ARGUMENT', 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EnvdError('INVALID_ARGUMENT', `${key} must be a string`);
  return value;
}

function envVars(body: Record<string, unknown>): Record<string, string> {
  const value = body.env_vars;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new EnvdError('INVALID_ARGUMENT', 'env_vars must be an object of strings');
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (
      name === '' ||
      name.includes('=') ||
      name.includes('\0') ||
      typeof v !== 'string' ||
      v.includes('\0')
    ) {
      throw new EnvdError('INVALID_ARGUMENT', `env_vars.${name} is not a valid environment variable`);
    }
    out[name] = v;
  }
  return out;
}

/** The context an /execute body names: `context_id`, else the default of `language`. */
async function pickContext(contexts: Contexts, body: Record<string, unknown>): Promise<ContextInfo> {
  const contextId = optionalString(body, 'context_id');
  const language = optionalString(body, 'language');
  if (contextId && language) {
    throw new EnvdError('INVALID_ARGUMENT', 'Only one of context_id or language can be provided, not both');
  }
  return contextId ? contexts.get(contextId) : contexts.forLanguage(language);
}

async function execute(contexts: Contexts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const code = body.code;
  if (typeof code !== 'string') throw new EnvdError('INVALID_ARGUMENT', 'code must be a string');
  const vars = envVars(body);
  const context = await pickContext(contexts, body);
  // A kernel that cannot start is a 500 before the stream opens, as upstream answers.
  await contexts.whenReady(context.id);
  const stream = openExecuteStream(res);
  const abort = new AbortController();
  // The client went away (its timeout, a cut connection): interrupt the cell.
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  await contexts.execute(context.id, { code, envVars: vars, signal: abort.signal }, (o) => stream.write(o));
  stream.end();
}

/**
 * The code interpreter's HTTP API (spec §4.2), what @e2b/code-interpreter calls on port
 * 49999: `/health`, `/execute` (NDJSON), `/contexts` create/list/delete/restart.
 */
export function createInterpreterHandler(
  contexts: Contexts,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const run = async (): Promise<void> => {
      if (path === '/health' && (method === 'GET' || method === 'HEAD')) return sendJson(res, 'OK');
      if (path === '/execute' && method === 'POST') return execute(contexts, req, res);
      if (path === '/contexts' && method === 'GET') return sendJson(res, contexts.list());
      if (path === '/contexts' && method === 'POST') {
        const body = await readJson(req);
        return sendJson(
          res,
          await contexts.create(optionalString(body, 'language'), optionalString(body, 'cwd')),
        );
      }
      const match = /^\/contexts\/([^/]+)(\/restart)?$/.exec(path);
      if (match) {
        const id = decodeURIComponent(match[1] ?? '');
        if (match[2] && method === 'POST') {
          await contexts.restart(id);
          return sendJson(res, null);
        }
        if (!match[2] && method === 'DELETE') {
          await contexts.remove(id);
          return sendJson(res, null);
        }
      }
      return sendText(res, 404, `Not found: ${method} ${path}`);
    };
    run().catch((error: unknown) => {
      if (error instanceof EnvdError) return sendText(res, ERROR_CODES[error.code].httpStatus, error.message);
      logger.error('interpreter.request_failed', { method, path, err: error });
      sendText(res, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
}

/** An HTTP server for the handler, without request timeouts (executions may run for hours). */
export function createInterpreterServer(contexts: Contexts, logger: Logger): Server {
  const server = createServer(createInterpreterHandler(contexts, logger));
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  return server;
}
