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
  /** sha256 over paths, modes and contents: the cache key of the upload. */
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

/** Resolves and hashes one COPY source; refuses paths that leave the context. */
export function contextFiles(contextDir: string, src: string): ContextFiles {
  const norm = path.posix.normalize(src.replace(/\\/g, '/')).replace(/^\.\/+/, '') || '.';
  const full = path.resolve(contextDir, norm);
  const rel = path.relative(path.resolve(contextDir), full);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new SoulBoxClientError('usage', `COPY ${src}: outside the build context ${contextDir}`);
  if (!fs.existsSync(full))
    throw new SoulBoxClientError('usage', `COPY ${src}: not found in the build context ${contextDir}`);
  const entries: string[] = [];
  walk(contextDir, rel || '.', entries);
  const h = createHash('sha256');
  h.update(`${norm}\0`);
  for (const e of entries) {
    const st = fs.lstatSync(path.join(contextDir, e));
    h.update(`${e}\0${st.mode}\0`);
    if (st.isFile()) h.update(fs.readFileSync(path.join(contextDir, e)));
    else if (st.isSymbolicLink()) h.update(fs.readlinkSync(path.join(contextDir, e)));
    h.update('\0');
  }
  return { src: norm, hash: h.digest('hex'), entries };
}

/** A gzipped tar of the source, entries relative to the context (so it holds `src` itself). */
export function contextTar(contextDir: string, files: ContextFiles): Readable {
  // Directories are listed with their contents, so recursion is off to avoid duplicates.
  return Readable.from(
    tar.c({ cwd: contextDir, gzip: true, portable: true, noDirRecurse: true }, files.entries),
  );
}
