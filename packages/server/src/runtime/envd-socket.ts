import http from 'node:http';
import { type EnvdEndpoint, oneShotAgent } from './envd-endpoint.js';

/** Result of a request to one of envd's unix sockets. */
export interface SocketResponse {
  status: number;
  body: string;
}

/** One small JSON request to envd (its control channel). */
export function requestEnvd(
  endpoint: EnvdEndpoint,
  method: string,
  urlPath: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<SocketResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        agent: oneShotAgent(endpoint),
        method,
        path: urlPath,
        headers: {
          ...endpoint.headers,
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`envd did not answer ${urlPath} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Waits until envd answers on its control channel. Polls quickly at first (envd is up within
 * tens of milliseconds), backing off to 20 ms; `isAlive` lets a dead container fail fast.
 */
export async function waitForEnvd(
  control: EnvdEndpoint,
  opts: { timeoutMs: number; isAlive?: () => Promise<boolean> },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 2;
  let attempts = 0;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const r = await requestEnvd(control, 'GET', '/health', undefined, 1000);
      if (r.status === 204 || r.status === 200) return;
      lastError = new Error(`envd health answered ${r.status}`);
    } catch (err) {
      lastError = err;
    }
    attempts++;
    if (opts.isAlive && attempts % 10 === 0 && !(await opts.isAlive())) {
      throw new Error('the sandbox exited before envd became ready');
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(20, delay * 1.5);
  }
  throw new Error(
    `envd was not ready within ${opts.timeoutMs} ms: ${(lastError as Error | undefined)?.message}`,
  );
}
