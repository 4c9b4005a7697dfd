import { SoulBoxError } from '../errors/index.js';
import type { SandboxState } from '../store/index.js';

/**
 * Decodes E2B's metadata filter: the SDK sends `encodeURIComponent(k)=encodeURIComponent(v)`
 * pairs joined with `&`, URL-encoded once more as one query value. The framework decodes
 * once; like upstream we unescape the whole string, split, then unescape keys and values.
 */
export function parseMetadataFilter(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  const out: Record<string, string> = {};
  let whole: string;
  try {
    whole = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new SoulBoxError('INVALID_ARGUMENT', 'invalid metadata filter encoding');
  }
  for (const pair of whole.split('&')) {
    if (pair === '') continue;
    const parts = pair.split('=');
    if (parts.length !== 2) throw new SoulBoxError('INVALID_ARGUMENT', 'invalid key value pair in query');
    try {
      out[decodeURIComponent(parts[0]!)] = decodeURIComponent(parts[1]!);
    } catch {
      throw new SoulBoxError('INVALID_ARGUMENT', 'invalid metadata filter encoding');
    }
  }
  return out;
}

/** Parses `state=running,paused` (form style, not exploded; repeated params also accepted). */
export function parseStates(values: string[]): SandboxState[] {
  const out = new Set<SandboxState>();
  for (const v of values.flatMap((x) => x.split(','))) {
    const s = v.trim();
    if (s === '') continue;
    if (s !== 'running' && s !== 'paused') throw new SoulBoxError('INVALID_ARGUMENT', `invalid state '${s}'`);
    out.add(s);
  }
  return [...out];
}

/** Opaque page cursor: base64url of `{startedAt}__{id}`. */
export function encodeCursor(startedAt: string, id: string): string {
  return Buffer.from(`${startedAt}__${id}`).toString('base64url');
}

/** Inverse of {@link encodeCursor}; INVALID_ARGUMENT on junk. */
export function decodeCursor(token: string): { startedAt: string; id: string } {
  const raw = Buffer.from(token, 'base64url').toString('utf8');
  const i = raw.lastIndexOf('__');
  const startedAt = raw.slice(0, i);
  const id = raw.slice(i + 2);
  if (i < 1 || Number.isNaN(Date.parse(startedAt)) || !/^[a-z0-9]+$/.test(id)) {
    throw new SoulBoxError('INVALID_ARGUMENT', 'invalid nextToken');
  }
  return { startedAt, id };
}

/** Parses `limit` (1..100, default 100). */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new SoulBoxError('INVALID_ARGUMENT', 'limit must be between 1 and 100');
  return n;
}
