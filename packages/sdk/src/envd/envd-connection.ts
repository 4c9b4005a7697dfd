import { Code, ConnectError, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { connectionError, SoulBoxClientError } from '../errors.js';

/** envd's port: the data plane routes it to the sandbox's agent. */
export const ENVD_PORT = 49983;

/** How to reach one sandbox's envd through the data plane (the E2B SDK's way). */
export interface EnvdConnection {
  readonly sandboxId: string;
  readonly sandboxUrl: string;
  /** Connect transport for the Process and Filesystem services. */
  readonly transport: Transport;
  /** Headers for envd's plain HTTP endpoints (`/files`). */
  headers(): Record<string, string>;
}

/** `Authorization: Basic <user>:` picks the Linux user of an RPC (E2B envd convention). */
export function userHeader(user: string | undefined): Record<string, string> {
  return user ? { authorization: `Basic ${Buffer.from(`${user}:`).toString('base64')}` } : {};
}

export function createEnvdConnection(
  sandboxUrl: string,
  sandboxId: string,
  accessToken: string | undefined,
): EnvdConnection {
  const headers = (): Record<string, string> => ({
    'E2b-Sandbox-Id': sandboxId,
    'E2b-Sandbox-Port': String(ENVD_PORT),
    ...(accessToken ? { 'X-Access-Token': accessToken } : {}),
  });
  const addHeaders: Interceptor = (next) => async (req) => {
    for (const [k, v] of Object.entries(headers())) req.header.set(k, v);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: sandboxUrl,
    httpVersion: '1.1',
    interceptors: [addHeaders],
  });
  return { sandboxId, sandboxUrl, transport, headers };
}

/** Maps errors of envd calls to {@link SoulBoxClientError}, naming the sandbox when it is gone. */
export function envdError(err: unknown, sandboxId: string, what: string): SoulBoxClientError {
  if (err instanceof SoulBoxClientError) return err;
  if (err instanceof ConnectError) {
    if (err.code === Code.Unavailable) {
      return new SoulBoxClientError(
        'sandbox',
        `sandbox ${sandboxId} is not running (killed, paused or timed out)`,
        {
          code: 'SANDBOX_UNREACHABLE',
          cause: err,
        },
      );
    }
    if (err.code === Code.Unknown && /fetch failed|ECONNREFUSED|connect/i.test(err.rawMessage)) {
      return connectionError('the data plane', err);
    }
    const code = Code[err.code] ?? 'Unknown';
    return new SoulBoxClientError('sandbox', `${what}: ${err.rawMessage || code}`, { code, cause: err });
  }
  if (
    err instanceof Error &&
    /ECONNREFUSED|fetch failed|socket/i.test(`${err.message} ${String(err.cause)}`)
  ) {
    return connectionError('the data plane', err);
  }
  return new SoulBoxClientError('sandbox', `${what}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
