import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * The Jupyter messaging protocol's wire form (jupyter-client.readthedocs.io, "Messaging in
 * Jupyter", protocol 5.3): `[routing ids…, "<IDS|MSG>", hmac, header, parent_header,
 * metadata, content, buffers…]`, each dict a JSON frame, signed with HMAC-SHA256 over the
 * four dicts.
 */
export const DELIMITER = '<IDS|MSG>';
export const PROTOCOL_VERSION = '5.3';

export interface JupyterHeader {
  readonly msg_id: string;
  readonly session: string;
  readonly username: string;
  readonly date: string;
  readonly msg_type: string;
  readonly version: string;
}

export interface JupyterMessage {
  readonly header: JupyterHeader;
  /** `{}` when the message answers nothing. */
  readonly parentHeader: Partial<JupyterHeader>;
  readonly metadata: Record<string, unknown>;
  readonly content: Record<string, unknown>;
}

/** Signs and frames messages of one client session. */
export interface JupyterSession {
  readonly id: string;
  /** A new message of `msgType`; returns its frames and its msg_id. */
  encode(msgType: string, content: Record<string, unknown>): { frames: Buffer[]; msgId: string };
  /** Parses frames from a socket; undefined for a message without a valid signature. */
  decode(frames: readonly Buffer[]): JupyterMessage | undefined;
}

function sign(key: Buffer, parts: readonly Buffer[]): string {
  if (key.length === 0) return '';
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function parseObject(frame: Buffer | undefined): Record<string, unknown> | undefined {
  if (!frame) return undefined;
  try {
    const value: unknown = JSON.parse(frame.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A session with the kernel's connection-file key (`""` = unsigned, as Jupyter allows). */
export function createJupyterSession(key: string, username = 'soulbox'): JupyterSession {
  const keyBytes = Buffer.from(key, 'utf8');
  const id = randomUUID();
  return {
    id,
    encode(msgType, content) {
      const msgId = randomUUID();
      const header: JupyterHeader = {
        msg_id: msgId,
        session: id,
        username,
        date: new Date().toISOString(),
        msg_type: msgType,
        version: PROTOCOL_VERSION,
      };
      const parts = [header, {}, {}, content].map((o) => Buffer.from(JSON.stringify(o), 'utf8'));
      return { frames: [Buffer.from(DELIMITER), Buffer.from(sign(keyBytes, parts)), ...parts], msgId };
    },
    decode(frames) {
      const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString() === DELIMITER);
      if (at < 0 || frames.length < at + 6) return undefined;
      const parts = frames.slice(at + 2, at + 6);
      if (keyBytes.length > 0) {
        const expected = Buffer.from(sign(keyBytes, parts));
        const got = frames[at + 1] as Buffer;
        if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
      }
      const [header, parentHeader, metadata, content] = parts.map(parseObject);
      if (!header || typeof header.msg_type !== 'string' || !content) return undefined;
      return {
        header: header as unknown as JupyterHeader,
        parentHeader: (parentHeader ?? {}) as Partial<JupyterHeader>,
        metadata: metadata ?? {},
        content,
      };
    },
  };
}
