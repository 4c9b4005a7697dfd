/**
 * ZMTP 3.0 framing (rfc.zeromq.org/spec/23), the wire format of ZeroMQ over TCP, as much as
 * a Jupyter client needs: the greeting, the NULL mechanism's READY command, and message
 * frames. Pure functions and an incremental reader; sockets live in zmtp-socket.ts.
 */

/** The greeting is always 64 bytes. */
export const GREETING_SIZE = 64;

const FLAG_MORE = 0x01;
const FLAG_LONG = 0x02;
const FLAG_COMMAND = 0x04;

/** One frame off the wire. */
export interface ZmtpFrame {
  readonly command: boolean;
  readonly more: boolean;
  readonly body: Buffer;
}

/** Thrown for bytes that are not ZMTP 3.x; the connection cannot continue. */
export class ZmtpProtocolError extends Error {
  override readonly name = 'ZmtpProtocolError';
}

/**
 * Our greeting: signature, version 3.0, mechanism NULL, as-server 0. The padding carries a
 * length of 1, as libzmq's does, so a ZMTP 1.0 peer would read it as an empty identity.
 * We announce 3.0 (not 3.1) so that a PUB peer expects subscriptions as `\x01topic`
 * messages, the form every 3.x peer accepts.
 */
export function encodeGreeting(): Buffer {
  const g = Buffer.alloc(GREETING_SIZE);
  g[0] = 0xff;
  g[8] = 0x01;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 0;
  g.write('NULL', 12, 'ascii');
  return g;
}

/** Checks a peer's greeting: ZMTP 3.x with the NULL mechanism. */
export function parseGreeting(g: Buffer): { major: number; minor: number; mechanism: string } {
  if (g.length < GREETING_SIZE || g[0] !== 0xff || g[9] !== 0x7f) {
    throw new ZmtpProtocolError('peer did not send a ZMTP signature');
  }
  const major = g[10] ?? 0;
  const minor = g[11] ?? 0;
  if (major < 3) throw new ZmtpProtocolError(`peer speaks ZMTP ${major}.${minor}; 3.x is needed`);
  const mechanism = g.subarray(12, 32).toString('ascii').replace(/\0+$/, '');
  if (mechanism !== 'NULL') throw new ZmtpProtocolError(`peer wants security mechanism ${mechanism}`);
  return { major, minor, mechanism };
}

/** Encodes one frame: flags, 1- or 8-byte size, body. */
export function encodeFrame(body: Uint8Array, more: boolean, command = false): Buffer {
  const long = body.length > 255;
  const head = Buffer.alloc(long ? 9 : 2);
  head[0] = (more ? FLAG_MORE : 0) | (long ? FLAG_LONG : 0) | (command ? FLAG_COMMAND : 0);
  if (long) head.writeBigUInt64BE(BigInt(body.length), 1);
  else head[1] = body.length;
  return Buffer.concat([head, body]);
}

/** Encodes a multipart message: every frame but the last has MORE set. */
export function encodeMessage(frames: readonly Uint8Array[]): Buffer {
  return Buffer.concat(frames.map((f, i) => encodeFrame(f, i < frames.length - 1)));
}

/** The NULL mechanism's READY command with its metadata (`Socket-Type`, `Identity`). */
export function encodeReady(properties: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [Buffer.from([5]), Buffer.from('READY', 'ascii')];
  for (const [name, value] of Object.entries(properties)) {
    const v = Buffer.from(value, 'utf8');
    const size = Buffer.alloc(4);
    size.writeUInt32BE(v.length);
    parts.push(Buffer.from([name.length]), Buffer.from(name, 'ascii'), size, v);
  }
  return encodeFrame(Buffer.concat(parts), false, true);
}

/** Splits a command frame body into its name and data. */
export function parseCommand(body: Buffer): { name: string; data: Buffer } {
  const len = body[0] ?? 0;
  if (body.length < 1 + len) throw new ZmtpProtocolError('truncated command frame');
  return { name: body.subarray(1, 1 + len).toString('ascii'), data: body.subarray(1 + len) };
}

/** Reads READY/ERROR metadata: `name-len name value-len(4) value` pairs. */
export function parseProperties(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const nameLen = data[at] ?? 0;
    const name = data.subarray(at + 1, at + 1 + nameLen).toString('ascii');
    at += 1 + nameLen;
    if (at + 4 > data.length) throw new ZmtpProtocolError('truncated metadata');
    const valueLen = data.readUInt32BE(at);
    at += 4;
    if (at + valueLen > data.length) throw new ZmtpProtocolError('truncated metadata');
    out[name] = data.subarray(at, at + valueLen).toString('utf8');
    at += valueLen;
  }
  return out;
}

/**
 * Frames larger than this are skipped, not buffered: envd is PID 1 with a small heap, and a
 * kernel printing hundreds of MiB in one message must not take the sandbox down.
 * @default 16 MiB
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** One frame off the wire; `skippedBytes` > 0 when its body was too large and dropped. */
export interface ZmtpReadFrame extends ZmtpFrame {
  readonly skippedBytes: number;
}

/**
 * Turns the TCP byte stream into the greeting and then frames. Feed it every chunk; it
 * returns what became complete. Chunks are kept as a list and joined once per frame, so a
 * large frame arriving in many pieces is copied once.
 */
export class ZmtpReader {
  readonly #maxFrameBytes: number;
  #chunks: Buffer[] = [];
  #length = 0;
  #greeting: Buffer | undefined;
  /** Bytes of an oversized frame still to discard, and its flags. */
  #skip: { left: number; size: number; flags: number } | undefined;

  constructor(maxFrameBytes: number = MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** The peer's greeting, once 64 bytes have arrived. */
  get greeting(): Buffer | undefined {
    return this.#greeting;
  }

  /** The first `n` buffered bytes as one buffer (joining chunks only when needed). */
  #peek(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.#chunks, this.#length);
    this.#chunks = [joined];
    return joined.subarray(0, n);
  }

  #drop(n: number): void {
    let left = n;
    while (left > 0) {
      const first = this.#chunks[0] as Buffer;
      if (first.length <= left) {
        this.#chunks.shift();
        left -= first.length;
      } else {
        this.#chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.#length -= n;
  }

  push(chunk: Buffer): ZmtpReadFrame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
    if (!this.#greeting) {
      if (this.#length < GREETING_SIZE) return [];
      this.#greeting = Buffer.from(this.#peek(GREETING_SIZE));
      this.#drop(GREETING_SIZE);
    }
    const frames: ZmtpReadFrame[] = [];
    for (;;) {
      if (this.#skip) {
        const n = Math.min(this.#skip.left, this.#length);
        this.#drop(n);
        this.#skip.left -= n;
        if (this.#skip.left > 0) break;
        const { size, flags } = this.#skip;
        this.#skip = undefined;
        frames.push({
          command: (flags & FLAG_COMMAND) !== 0,
          more: (flags & FLAG_MORE) !== 0,
          body: Buffer.alloc(0),
          skippedBytes: size,
        });
        continue;
      }
      if (this.#length < 2) break;
      const flags = this.#peek(1)[0] ?? 0;
      const long = (flags & FLAG_LONG) !== 0;
      const headSize = long ? 9 : 2;
      if (this.#length < headSize) break;
      const head = this.#peek(headSize);
      const size = long ? Number(head.readBigUInt64BE(1)) : (head[1] ?? 0);
      if (size > this.#maxFrameBytes) {
        this.#drop(headSize);
        this.#skip = { left: size, size, flags };
        continue;
      }
      if (this.#length < headSize + size) break;
      // Copied: the chunks it came from are about to be dropped.
      const body = Buffer.from(this.#peek(headSize + size).subarray(headSize));
      this.#drop(headSize + size);
      frames.push({
        command: (flags & FLAG_COMMAND) !== 0,
        more: (flags & FLAG_MORE) !== 0,
        body,
        skippedBytes: 0,
      });
    }
    return frames;
  }
}
