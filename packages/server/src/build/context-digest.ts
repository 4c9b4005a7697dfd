import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';

/**
 * What an uploaded COPY context (a tar, gzip optional) proves about itself. A build checks
 * the hash a COPY step declares against these before the files are used.
 */
export interface ContextDigests {
  /**
   * SoulBox's context digest: sha256 over `soulbox-context-v1`, the COPY source, then every
   * entry in archive order (path, type, permission bits, size and contents or link target).
   * `@soulbox/sdk` and the CLI declare it (as `sb1-<hex>`), computed from the archive they
   * upload.
   */
  soulbox: string;
  /**
   * E2B's files hash (`calculateFilesHash` in the e2b SDK) rebuilt from the archive, when the
   * archive carries everything it covers. It does not for directories (E2B hashes their size
   * on the client's filesystem, which a tar does not record) or hard links: undefined then.
   */
  e2b?: string;
}

const TYPE_CODE: Readonly<Record<string, string>> = {
  File: 'f',
  OldFile: 'f',
  ContiguousFile: 'f',
  Directory: 'd',
  SymbolicLink: 'l',
  Link: 'h',
};

/** `st_mode` file-type bits, which E2B hashes with the permissions. */
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** Entry path without a trailing `/` (directories) or leading `./`. */
function entryPath(p: string): string {
  return p.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * Reads an uploaded context and computes its digests. `copy` is the step's source and
 * destination as the client wrote them (E2B's hash starts with `COPY <src> <dest>`).
 * @throws when the file is not a tar (or gzipped tar)
 */
export async function contextDigests(
  file: string,
  copy: { src: string; srcAsWritten: string; dest: string },
): Promise<ContextDigests> {
  const ours = createHash('sha256').update(`soulbox-context-v1\0${copy.src}\0`);
  const e2b = createHash('sha256').update(`COPY ${copy.srcAsWritten} ${copy.dest}`);
  let e2bPossible = true;
  let entries = 0;

  const onEntry = (entry: ReadEntry) => {
    entries++;
    const path = entryPath(entry.path);
    const code = TYPE_CODE[entry.type] ?? 'o';
    const perms = (entry.mode ?? 0) & 0o7777;
    const link = entry.linkpath ?? '';
    ours.update(`${path}\0${code}\0${perms.toString(8)}\0${entry.size}\0`);
    if (code === 'l' || code === 'h') ours.update(link);
    if (code === 'f') {
      e2b
        .update(path)
        .update(String(S_IFREG | perms))
        .update(String(entry.size));
    } else if (code === 'l') {
      e2b
        .update(path)
        .update(String(S_IFLNK | perms))
        .update(String(Buffer.byteLength(link)))
        .update(link);
    } else {
      e2bPossible = false;
    }
    entry.on('data', (chunk: Buffer) => {
      ours.update(chunk);
      if (code === 'f' && e2bPossible) e2b.update(chunk);
    });
    entry.on('end', () => ours.update('\0'));
  };

  const parser = new Parser({ strict: true, onReadEntry: onEntry });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  // A parse error rejects `done` while chunks are still being read; it is awaited below.
  done.catch(() => {});
  for await (const chunk of createReadStream(file)) parser.write(chunk as Buffer);
  parser.end();
  await done;
  if (entries === 0) throw new Error('the upload holds no files (not a tar archive?)');
  return { soulbox: ours.digest('hex'), ...(e2bPossible ? { e2b: e2b.digest('hex') } : {}) };
}

/** How SoulBox's own clients mark the hashes they declare: `sb1-` + the hex digest. */
export const SOULBOX_HASH_PREFIX = 'sb1-';

/** Whether a declared COPY hash matches the upload, and what to key the build cache on. */
export type ContextVerdict = { ok: true; verified: boolean; digest: string } | { ok: false; reason: string };

/**
 * Checks a declared hash against an upload. A SoulBox hash (`sb1-…`) must equal SoulBox's
 * digest of the archive. Any other hash is E2B's files hash, and must equal the one rebuilt
 * from the archive; only when it cannot be rebuilt (the archive holds directories or hard
 * links) is a 64-hex hash taken unverified. Either way the build is keyed on SoulBox's digest
 * of what was really uploaded, never on the declared hash, and uploads live under the
 * uploading tenant's own template only.
 */
export function checkContext(declared: string, d: ContextDigests): ContextVerdict {
  const mismatch = { ok: false as const, reason: 'the uploaded files do not match their hash' };
  if (declared.startsWith(SOULBOX_HASH_PREFIX))
    return declared === `${SOULBOX_HASH_PREFIX}${d.soulbox}`
      ? { ok: true, verified: true, digest: d.soulbox }
      : mismatch;
  if (d.e2b !== undefined)
    return declared === d.e2b ? { ok: true, verified: true, digest: d.soulbox } : mismatch;
  return /^[0-9a-f]{64}$/.test(declared) ? { ok: true, verified: false, digest: d.soulbox } : mismatch;
}
