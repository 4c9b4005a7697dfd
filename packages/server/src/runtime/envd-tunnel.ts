import http from 'node:http';
import type { Duplex } from 'node:stream';
import { type EnvdEndpoint, oneShotAgent } from './envd-endpoint.js';

/** Outcome of {@link openTunnel}. */
export type TunnelResult = { ok: true; socket: Duplex } | { ok: false; status: number; reason: string };

/**
 * Asks envd (on its control channel) for a raw byte stream to 127.0.0.1:port inside the
 * sandbox: an HTTP upgrade that envd answers 101 before piping, or 502 when the port is closed.
 */
export function openTunnel(control: EnvdEndpoint, port: number, timeoutMs = 10_000): Promise<TunnelResult> {
  return new Promise((resolve) => {
    const req = http.request({
      agent: oneShotAgent(control),
      path: `/tunnel/${port}`,
      method: 'GET',
      headers: { ...control.headers, connection: 'Upgrade', upgrade: 'soulbox-tunnel', host: 'envd' },
      timeout: timeoutMs,
    });
    req.on('upgrade', (_res, socket, head) => {
      socket.setTimeout(0);
      if (head.length) socket.unshift(head);
      resolve({ ok: true, socket });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ ok: false, status: res.statusCode ?? 502, reason: 'port is not open' });
    });
    req.on('timeout', () => req.destroy(new Error('tunnel timed out')));
    req.on('error', (err) => resolve({ ok: false, status: 502, reason: err.message }));
    req.end();
  });
}
