import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A built template, ready to be an overlay lower dir. */
export interface TemplateRootfs {
  name: string;
  /** sha256 of the recipe: the cache key. */
  hash: string;
  rootfsDir: string;
  /** ISO 8601. */
  builtAt: string;
  /** Disk usage of the rootfs. */
  sizeBytes: number;
}

/** What `template.json` beside `rootfs` holds. */
export interface TemplateMetadata extends Omit<TemplateRootfs, 'rootfsDir'> {
  /** The apt packages the recipe asked for (dependencies not listed). */
  packages: string[];
  recipeVersion: number;
  uidShift: number;
  debian: { suite: string; variant: string; mirror: string };
  buildMs: number;
}

export const METADATA_FILE = 'template.json';

/**
 * Reads `<dir>/template.json` and checks that `<dir>/rootfs` exists; `undefined` for
 * anything else. A build dir only gets its final name once both are complete, so a
 * readable file means a good build.
 */
export function readTemplateDir(dir: string): TemplateRootfs | undefined {
  let meta: Partial<TemplateMetadata>;
  try {
    meta = JSON.parse(readFileSync(path.join(dir, METADATA_FILE), 'utf8')) as Partial<TemplateMetadata>;
  } catch {
    return undefined;
  }
  const rootfsDir = path.join(dir, 'rootfs');
  if (
    typeof meta.name !== 'string' ||
    typeof meta.hash !== 'string' ||
    typeof meta.builtAt !== 'string' ||
    typeof meta.sizeBytes !== 'number' ||
    !statSync(rootfsDir, { throwIfNoEntry: false })?.isDirectory()
  ) {
    return undefined;
  }
  return { name: meta.name, hash: meta.hash, rootfsDir, builtAt: meta.builtAt, sizeBytes: meta.sizeBytes };
}
