import type { IncomingMessage } from 'node:http';

/** envd's port, as E2B numbers it. */
export const ENVD_PORT = 49983;

/** Where a data-plane request goes. */
export type DataPlaneTarget =
  | { kind: 'sandbox'; sandboxId: string; port: number }
  | { kind: 'error'; sandboxId: string; message: string };

const ID = /^[a-z0-9]+$/;

function parsePort(raw: string): number | undefined {
  if (!/^\d{1,5}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * Finds the target of a request, or undefined when it is not a data-plane request.
 * SDK 2.7+ sends `E2b-Sandbox-Id` + `E2b-Sandbox-Port` on every envd request; browsers and
 * older clients use `{port}-{sandboxId}.{domain}` host names.
 */
export function dataPlaneTarget(req: IncomingMessage, domain: string): DataPlaneTarget | undefined {
  const idHeader = req.headers['e2b-sandbox-id'];
  const portHeader = req.headers['e2b-sandbox-port'];
  if (idHeader !== undefined || portHeader !== undefined) {
    const id = typeof idHeader === 'string' ? idHeader : '';
    if (!id) return { kind: 'error', sandboxId: '', message: 'Missing header: E2b-Sandbox-Id' };
    if (typeof portHeader !== 'string')
      return { kind: 'error', sandboxId: id, message: 'Missing header: E2b-Sandbox-Port' };
    const port = parsePort(portHeader);
    if (port === undefined)
      return { kind: 'error', sandboxId: id, message: 'Invalid header: E2b-Sandbox-Port' };
    if (!ID.test(id)) return { kind: 'error', sandboxId: id, message: 'Invalid sandbox id' };
    return { kind: 'sandbox', sandboxId: id, port };
  }
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  const suffix = `.${domain.toLowerCase().replace(/:\d+$/, '')}`;
  if (!host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  const dash = label.indexOf('-');
  if (dash < 1 || label.includes('.')) return undefined;
  const port = parsePort(label.slice(0, dash));
  const id = label.slice(dash + 1);
  if (port === undefined || !ID.test(id)) return undefined;
  return { kind: 'sandbox', sandboxId: id, port };
}
