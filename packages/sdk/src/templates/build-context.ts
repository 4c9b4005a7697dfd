import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { SoulBoxClientError } from '../errors.js';

/** A COPY source resolved in the build context. */
export interface ContextFiles {
  /** The source as written, normalised (relative to the context). */
  src: string;
  /**
   * `sb1-` + SoulBox's context digest of the archive that is uploaded: the server checks it
   * against what arrives before the build uses the files, and it is the cache key of the upload.
   */
  hash: string;
  /** Paths (relative to the context) that go into the tar. */
  entries: string[];
}

function walk(root: string, rel: string, out: string[]): void {
  out.push(rel);
  const full = path.join(root, rel);
  const st = fs.lstatSync(full);
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(full).sort()) walk(root, path.join(rel, name), out);
  }
}

const TYPE_CODE: Readonly<Record<string, string>> = {
  File: 'f',
  OldFile: 'f',
  ContiguousFile: 'f',
  Directory: 'd',
  SymbolicLink: 'l',
  Link: 'h',
};

/**
 * SoulBox's context digest (the server's `build/context-digest.ts` computes the same from the
 * upload): sha256 over `soulbox-context-v1`, the source, then each archive entry in order —
 * path, type, permission bits, size, and contents or link target.
 */
export async function contextDigest(src: string, archive: Readable): Promise<string> {
  const h = createHash('sha256').update(`soulbox-context-v1\0${src}\0`);
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const p = entry.path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
      const code = TYPE_CODE[entry.type] ?? 'o';
      h.update(`${p}\0${code}\0${((entry.mode ?? 0) & 0o7777).toString(8)}\0${entry.size}\0`);
      if (code === 'l' || code === 'h') h.update(entry.linkpath ?? '');
      entry.on('data', (chunk: Buffer) => h.update(chunk));
      entry.on('end', () => h.update('\0'));
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  done.catch(() => {}); // awaited below; a parse error may come while chunks are still read
  for await (const chunk of archive) parser.write(chunk as Buffer);
  parser.end();
  await done;
  return h.digest('hex');
}

/** Resolves and hashes one COPY source; refuses paths that leave the context. */
export async function contextFiles(contextDir: string, src: string): Promise<ContextFiles> {
  const norm = path.posix.normalize(src.replace(/\\/g, '/')).replace(/^\.\/+/, '') || '.';
  const full = path.resolve(contextDir, norm);
  const rel = path.relative(path.resolve(contextDir), full);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new SoulBoxClientError('usage', `COPY ${src}: outside the build context ${contextDir}`);
  if (!fs.existsSync(full))
    throw new SoulBoxClientError('usage', `COPY ${src}: not found in the build context ${contextDir}`);
  const entries: string[] = [];
  walk(contextDir, rel || '.', entries);
  // The digest is taken over the very archive format that is uploaded (modes as tar stores them).
  const digest = await contextDigest(norm, contextTar(contextDir, { src: norm, hash: '', entries }));
  return { src: norm, hash: `sb1-${digest}`, entries };
}

/** A gzipped tar of the source, entries relative to the context (so it holds `src` itself). */
export function contextTar(contextDir: string, files: ContextFiles): Readable {
  // Directories are listed with their contents, so recursion is off to avoid duplicates.
  return Readable.from(
    tar.c({ cwd: contextDir, gzip: true, portable: true, noDirRecurse: true }, files.entries),
  );
}
