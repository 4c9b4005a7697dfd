import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { type EntryInfo as EntryInfoWire, Filesystem, FileType } from '@soulbox/proto';
import { type EnvdConnection, envdError, userHeader } from '../envd/envd-connection.js';
import { apiError, connectionError, SoulBoxClientError } from '../errors.js';

/** A file or directory in a sandbox. */
export interface EntryInfo {
  name: string;
  path: string;
  type: 'file' | 'dir' | 'symlink';
  size: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  permissions: string;
  owner: string;
  group: string;
  modifiedTime: Date | undefined;
  symlinkTarget?: string;
}

/** Options shared by file calls. */
export interface FileOptions {
  /** Linux user for permissions and relative paths. @default the sandbox's default user */
  user?: string;
  signal?: AbortSignal;
}

function toEntry(e: EntryInfoWire): EntryInfo {
  return {
    name: e.name,
    path: e.path,
    type: e.type === FileType.DIRECTORY ? 'dir' : e.type === FileType.SYMLINK ? 'symlink' : 'file',
    size: Number(e.size),
    mode: e.mode,
    permissions: e.permissions,
    owner: e.owner,
    group: e.group,
    modifiedTime: e.modifiedTime ? timestampDate(e.modifiedTime) : undefined,
    ...(e.symlinkTarget ? { symlinkTarget: e.symlinkTarget } : {}),
  };
}

/** Files of a sandbox: envd's Filesystem service plus its `/files` up/download endpoint. */
export class Files {
  private readonly client;

  constructor(private readonly envd: EnvdConnection) {
    this.client = createClient(Filesystem, envd.transport);
  }

  private url(path: string, user: string | undefined): string {
    const q = new URLSearchParams({ path });
    if (user) q.set('username', user);
    return `${this.envd.sandboxUrl}/files?${q}`;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) {
        throw new SoulBoxClientError('sandbox', `${what}: no such file or directory`, { code: 'NOT_FOUND' });
      }
      throw envdError(err, this.envd.sandboxId, what);
    }
  }

  /** Metadata of a path; a `NOT_FOUND` error when it does not exist. */
  stat(path: string, o: FileOptions = {}): Promise<EntryInfo> {
    return this.call(path, async () => {
      const r = await this.client.stat({ path }, { headers: userHeader(o.user), signal: o.signal });
      return toEntry(r.entry!);
    });
  }

  async exists(path: string, o: FileOptions = {}): Promise<boolean> {
    try {
      await this.stat(path, o);
      return true;
    } catch (err) {
      if (err instanceof SoulBoxClientError && err.code === 'NOT_FOUND') return false;
      throw err;
    }
  }

  /** Entries of a directory, `depth` levels deep. @param depth @default 1 */
  list(path: string, o: FileOptions & { depth?: number } = {}): Promise<EntryInfo[]> {
    return this.call(path, async () => {
      const r = await this.client.listDir(
        { path, depth: o.depth ?? 1 },
        { headers: userHeader(o.user), signal: o.signal },
      );
      return r.entries.map(toEntry);
    });
  }

  /** Creates a directory and its parents; false when it existed. */
  makeDir(path: string, o: FileOptions = {}): Promise<boolean> {
    return this.call(path, async () => {
      try {
        await this.client.makeDir({ path }, { headers: userHeader(o.user), signal: o.signal });
        return true;
      } catch (err) {
        if (err instanceof ConnectError && err.code === Code.AlreadyExists) return false;
        throw err;
      }
    });
  }

  /** Removes a file or a whole directory (no error when missing). */
  async remove(path: string, o: FileOptions = {}): Promise<void> {
    await this.call(path, () =>
      this.client.remove({ path }, { headers: userHeader(o.user), signal: o.signal }),
    );
  }

  /** Reads a whole file. */
  async read(path: string, o: FileOptions = {}): Promise<Uint8Array> {
    const { stream } = await this.readStream(path, o);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** Opens a file for streaming; `size` is its length in bytes when the server said. */
  async readStream(
    path: string,
    o: FileOptions = {},
  ): Promise<{ size: number | undefined; stream: Readable }> {
    let res: Response;
    try {
      res = await fetch(this.url(path, o.user), { headers: this.envd.headers(), signal: o.signal });
    } catch (err) {
      throw connectionError(this.envd.sandboxUrl, err);
    }
    if (!res.ok) throw this.httpError(path, res.status, await res.text().catch(() => ''));
    const len = res.headers.get('content-length');
    const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return {
      size: len === null ? undefined : Number(len),
      stream: Readable.fromWeb(body as WebReadableStream<Uint8Array>),
    };
  }

  /**
   * Writes a file (creating parent directories), from bytes, a string or a stream.
   * @returns the absolute path written
   */
  async write(
    path: string,
    data: string | Uint8Array | Readable,
    o: FileOptions & { onProgress?: (bytes: number) => void } = {},
  ): Promise<string> {
    let body: NonNullable<RequestInit['body']>;
    if (data instanceof Readable) {
      let sent = 0;
      // A pass-through that counts: progress without a second reader on the source.
      const counted = data.pipe(
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            sent += chunk.length;
            o.onProgress?.(sent);
            done(null, chunk);
          },
        }),
      );
      data.once('error', (err) => counted.destroy(err));
      body = Readable.toWeb(counted) as unknown as ReadableStream<Uint8Array>;
    } else body = typeof data === 'string' ? data : Buffer.from(data);
    let res: Response;
    try {
      res = await fetch(this.url(path, o.user), {
        method: 'POST',
        headers: { ...this.envd.headers(), 'content-type': 'application/octet-stream' },
        body,
        signal: o.signal,
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      throw connectionError(this.envd.sandboxUrl, err);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw this.httpError(path, res.status, text);
    const written = JSON.parse(text) as { path: string }[];
    return written[0]?.path ?? path;
  }

  private httpError(path: string, status: number, text: string): SoulBoxClientError {
    if (status === 502) {
      return new SoulBoxClientError('sandbox', `sandbox ${this.envd.sandboxId} is not running`, {
        status,
        code: 'SANDBOX_UNREACHABLE',
      });
    }
    const e = apiError(status, text);
    return new SoulBoxClientError('sandbox', `${path}: ${e.message}`, {
      status,
      code: status === 404 ? 'NOT_FOUND' : e.code,
    });
  }
}
