import type { HandlerContext } from '@connectrpc/connect';
import type { SandboxState } from '../state/sandbox-state.js';
import { resolveUser, type SandboxUser, type UserDb } from '../users/user-db.js';

/**
 * The username of `Authorization: Basic base64("<name>:")`, the SDK's way to pick the Linux
 * user. Like Go's Request.BasicAuth, a malformed header counts as no header.
 */
export function basicAuthUsername(header: string | null): string | undefined {
  if (!header) return undefined;
  const match = /^basic\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(0, colon);
}

/**
 * The user an RPC runs as.
 * @throws EnvdError UNAUTHENTICATED for an unknown user
 */
export function requestUser(context: HandlerContext, users: UserDb, state: SandboxState): SandboxUser {
  return resolveUser(users, basicAuthUsername(context.requestHeader.get('authorization')), state.defaultUser);
}

/** Upstream envd's keepalive interval when the client does not ask for one. */
export const DEFAULT_KEEPALIVE_MS = 90_000;

/** `Keepalive-Ping-Interval` (seconds) → ms between keepalive events on a stream. */
export function keepaliveIntervalMs(context: HandlerContext): number {
  const header = context.requestHeader.get('keepalive-ping-interval');
  const seconds = header && /^\d+$/.test(header.trim()) ? Number(header.trim()) : 0;
  return seconds > 0 ? seconds * 1000 : DEFAULT_KEEPALIVE_MS;
}
