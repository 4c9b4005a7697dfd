import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import type { Commands } from '../commands/commands.js';
import { SoulBoxClientError } from '../errors.js';
import type { Files } from './files.js';

/** Progress of a copy: bytes moved so far, and the total when known. */
export interface CopyProgress {
  bytes: number;
  totalBytes: number | undefined;
}

/** Options of {@link uploadPath} and {@link downloadPath}. */
export interface CopyOptions {
  /** Linux user that owns what is written in the sandbox. @default the sandbox's default user */
  user?: string;
  onProgress?: (p: CopyProgress) => void;
  signal?: AbortSignal;
}

/** The parts of a sandbox handle a copy needs. */
export interface CopyTarget {
  files: Files;
  commands: Commands;
}

const sh = (script: string, ...args: string[]) => ({ cmd: '/bin/sh', args: ['-c', script, 'sh', ...args] });

function treeSize(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += treeSize(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

async function remoteKind(t: CopyTarget, p: string, user?: string): Promise<'file' | 'dir' | undefined> {
  try {
    const st = await t.files.stat(p, { user });
    return st.type === 'dir' ? 'dir' : 'file';
  } catch (err) {
    if (err instanceof SoulBoxClientError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

/** A pass-through that reports how many bytes went by. */
function counter(totalBytes: number | undefined, onProgress: CopyOptions['onProgress']): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      onProgress?.({ bytes, totalBytes });
      done(null, chunk);
    },
  });
}

const tmpName = () => `/tmp/.soulbox-cp-${randomBytes(6).toString('hex')}.tar`;

/**
 * Copies a local file or directory into a sandbox with `docker cp` rules: a directory goes
 * *into* an existing destination directory (or becomes the destination when it does not
 * exist; `src/.` copies only its contents). Directories travel as one tar stream through
 * envd's `/files` and are unpacked inside the sandbox.
 * @returns the path written in the sandbox
 */
export async function uploadPath(
  t: CopyTarget,
  local: string,
  remote: string,
  o: CopyOptions = {},
): Promise<string> {
  const st = fs.statSync(local, { throwIfNoEntry: false });
  if (!st) throw new SoulBoxClientError('usage', `${local}: no such file or directory`);
  const destKind = await remoteKind(t, remote, o.user);
  if (!st.isDirectory()) {
    const target =
      destKind === 'dir' || remote.endsWith('/') ? path.posix.join(remote, path.basename(local)) : remote;
    const totalBytes = st.size;
    await t.files.write(target, fs.createReadStream(local), {
      user: o.user,
      signal: o.signal,
      onProgress: (bytes) => o.onProgress?.({ bytes, totalBytes }),
    });
    o.onProgress?.({ bytes: totalBytes, totalBytes });
    return target;
  }
  const contentsOnly = /\/\.$/.test(local);
  if (destKind === 'file')
    throw new SoulBoxClientError('usage', `${remote} is a file; cannot copy a directory onto it`);
  const target =
    destKind === 'dir' && !contentsOnly
      ? path.posix.join(remote, path.basename(path.resolve(local)))
      : remote;
  const totalBytes = treeSize(local);
  const tmp = tmpName();
  const pack = tar.c({ cwd: local }, ['.']);
  try {
    await t.files.write(tmp, Readable.from(pack), {
      user: o.user,
      signal: o.signal,
      onProgress: (bytes) => o.onProgress?.({ bytes: Math.min(bytes, totalBytes), totalBytes }),
    });
    const r = await t.commands.run(sh('mkdir -p "$2" && tar -xf "$1" -C "$2" --no-same-owner', tmp, target), {
      user: o.user,
      signal: o.signal,
    });
    if (r.exitCode !== 0)
      throw new SoulBoxClientError('sandbox', `unpacking into ${target} failed: ${r.stderr.trim()}`);
  } finally {
    await t.files.remove(tmp, { user: o.user }).catch(() => {});
  }
  o.onProgress?.({ bytes: totalBytes, totalBytes });
  return target;
}

/**
 * Copies a file or directory out of a sandbox, with the same `docker cp` rules as
 * {@link uploadPath}. A directory is packed with `tar` inside the sandbox and unpacked here.
 * @returns the local path written
 */
export async function downloadPath(
  t: CopyTarget,
  remote: string,
  local: string,
  o: CopyOptions = {},
): Promise<string> {
  const kind = await remoteKind(t, remote, o.user);
  if (!kind)
    throw new SoulBoxClientError('sandbox', `${remote}: no such file or directory`, { code: 'NOT_FOUND' });
  const localSt = fs.statSync(local, { throwIfNoEntry: false });
  if (kind === 'file') {
    const target =
      localSt?.isDirectory() || local.endsWith('/') ? path.join(local, path.posix.basename(remote)) : local;
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    const { size, stream } = await t.files.readStream(remote, { user: o.user, signal: o.signal });
    await pipeline(stream, counter(size, o.onProgress), fs.createWriteStream(target));
    return target;
  }
  const contentsOnly = /\/\.$/.test(remote);
  if (localSt && !localSt.isDirectory())
    throw new SoulBoxClientError('usage', `${local} is a file; cannot copy a directory onto it`);
  const target =
    localSt && !contentsOnly ? path.join(local, path.posix.basename(remote.replace(/\/+$/, ''))) : local;
  const tmp = tmpName();
  try {
    const r = await t.commands.run(sh('tar -cf "$1" -C "$2" .', tmp, remote), {
      user: o.user,
      signal: o.signal,
    });
    if (r.exitCode !== 0)
      throw new SoulBoxClientError('sandbox', `packing ${remote} failed: ${r.stderr.trim()}`);
    const { size, stream } = await t.files.readStream(tmp, { user: o.user, signal: o.signal });
    fs.mkdirSync(target, { recursive: true });
    // Files come out owned by whoever runs this, not by the sandbox's uids.
    await pipeline(stream, counter(size, o.onProgress), tar.x({ cwd: target, preserveOwner: false }));
  } finally {
    await t.files.remove(tmp, { user: o.user }).catch(() => {});
  }
  return target;
}
