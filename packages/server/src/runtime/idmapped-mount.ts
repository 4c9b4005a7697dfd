import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SoulBoxError } from '../errors/index.js';
import { run } from '../util/exec.js';
import { isMountPoint, type OverlayDirs } from './overlay.js';

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

const mapArgs = (map: IdMapping) => [String(map.from), String(map.to), String(map.count)];

/**
 * Attaches a read-only, nosuid, nodev view of `source` at `target` (an existing empty
 * directory) through which owners are mapped by `map`. Nothing on disk changes.
 */
export async function mountIdmapped(source: string, target: string, map: IdMapping): Promise<void> {
  await run(IDMAP_HELPER, ['view', source, target, ...mapArgs(map)], { timeoutMs: 30_000 });
}

/** Where {@link mountIdmappedOverlay} puts things; upper, work and merged exist already. */
export interface IdmappedOverlayPaths extends OverlayDirs {
  /** The tree the lower layer shows (a template rootfs). */
  lowerSource: string;
  /** An empty dir the view is attached at while the overlay is mounted, then detached from. */
  lower: string;
}

/**
 * Mounts an overlay at `mergedDir` whose lower layer is a view of `lowerSource` mapped by
 * `map` (one helper run: view, overlay, detach the view). Afterwards only the overlay is in
 * the mount table; overlayfs keeps its own clone of the view.
 */
export async function mountIdmappedOverlay(p: IdmappedOverlayPaths, map: IdMapping): Promise<void> {
  await run(
    IDMAP_HELPER,
    ['overlay', p.lowerSource, p.lower, p.upperDir, p.workDir, p.mergedDir, ...mapArgs(map)],
    { timeoutMs: 30_000 },
  );
}

/**
 * Detaches the view if it is mounted (lazily: an open file cannot block a kill). The lower
 * view of an overlay is attached only for an instant, but a crash in between leaves it.
 */
export async function unmountIdmapped(target: string): Promise<void> {
  if (!isMountPoint(target)) return;
  await run('umount', ['--lazy', target]);
}
