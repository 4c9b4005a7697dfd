import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SoulBoxError } from '../errors/index.js';
import { run } from '../util/exec.js';
import { isMountPoint } from './overlay.js';

/**
 * The static helper built by `packages/server/scripts/build-native.mjs` (`npm run build`).
 * This file sits two levels below the package root both as src/runtime/*.ts and as
 * dist/runtime/*.js.
 */
export const IDMAP_HELPER = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'native',
  'build',
  'soulbox-idmap-mount',
);

/** One id mapping: on-disk ids from..from+count-1 appear as to..to+count-1. */
export interface IdMapping {
  from: number;
  to: number;
  count: number;
}

/** Fails with a message that says how to get the helper when it was never built. */
export function checkIdmapHelper(): void {
  try {
    fs.accessSync(IDMAP_HELPER, fs.constants.X_OK);
  } catch {
    throw new SoulBoxError(
      'RUNTIME_UNAVAILABLE',
      `${IDMAP_HELPER} is missing: build it with \`npm run build\` (node packages/server/scripts/build-native.mjs)`,
    );
  }
}

/**
 * Attaches a read-only, nosuid, nodev view of `source` at `target` (an existing empty
 * directory) through which owners are mapped by `map`. Nothing on disk changes.
 */
export async function mountIdmapped(source: string, target: string, map: IdMapping): Promise<void> {
  await run(IDMAP_HELPER, [source, target, String(map.from), String(map.to), String(map.count)], {
    timeoutMs: 30_000,
  });
}

/** Detaches the view if it is mounted (lazily: an open file cannot block a kill). */
export async function unmountIdmapped(target: string): Promise<void> {
  if (!isMountPoint(target)) return;
  await run('umount', ['--lazy', target]);
}
