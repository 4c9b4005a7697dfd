import fs from 'node:fs';
import path from 'node:path';
import { SoulBoxError } from '../errors/index.js';
import { checkIdmapHelper, mountIdmappedOverlay, unmountIdmapped } from './idmapped-mount.js';
import { prepareOverlayDirs, unmountOverlay } from './overlay.js';
import { UID_RANGE_SIZE } from './uid-ranges.js';

/** Where {@link probeIdmappedLayers} works: the sandboxes dir (upper side) and the templates dir (lower side). */
export interface IdmapProbeOptions {
  sandboxesDir: string;
  templatesDir: string;
  /** A host id to map image id 0 to (the pool's base). */
  mapTo: number;
}

/**
 * Checks at start-up that this host can give sandboxes what they are made of: an idmapped,
 * read-only mount of a directory on the templates filesystem, used as an overlay lower layer
 * with an upper dir on the sandboxes filesystem, and that ownership shows through mapped.
 * That needs Linux >= 5.19 and a templates filesystem with idmapped-mount support (ext4,
 * xfs, btrfs, f2fs; tmpfs from 6.3). There is no fallback: shifting or copying templates
 * per sandbox would give up either the separate uid ranges or a create that copies nothing.
 * @throws SoulBoxError RUNTIME_UNAVAILABLE, naming what is missing.
 */
export async function probeIdmappedLayers(o: IdmapProbeOptions): Promise<void> {
  checkIdmapHelper();
  // The source sits beside the templates (a template dir may be shared by several servers,
  // hence a unique name); the mounts under this data dir's sandboxes dir, one fixed name, so
  // that a probe cut short by a crash is cleaned up by the next start.
  const scratch = path.join(o.sandboxesDir, '.idmap-probe');
  const lower = path.join(scratch, 'lower');
  const merged = path.join(scratch, 'merged');
  const cleanup = async () => {
    await unmountOverlay(merged);
    await unmountIdmapped(lower);
    fs.rmSync(scratch, { recursive: true, force: true });
  };
  await cleanup();
  const source = fs.mkdtempSync(path.join(o.templatesDir, '.idmap-probe-'));
  try {
    fs.writeFileSync(path.join(source, 'probe'), '');
    fs.mkdirSync(lower, { recursive: true, mode: 0o700 });
    const dirs = {
      upperDir: path.join(scratch, 'upper'),
      workDir: path.join(scratch, 'work'),
      mergedDir: merged,
    };
    prepareOverlayDirs(dirs, { uid: o.mapTo, gid: o.mapTo });
    // The same helper run every sandbox start makes.
    await mountIdmappedOverlay(
      { ...dirs, lowerSource: source, lower },
      { from: 0, to: o.mapTo, count: UID_RANGE_SIZE },
    );
    const st = fs.statSync(path.join(merged, 'probe'));
    if (st.uid !== o.mapTo || st.gid !== o.mapTo)
      throw new Error(`a file owned by 0:0 showed as ${st.uid}:${st.gid}, not ${o.mapTo}:${o.mapTo}`);
  } catch (err) {
    throw new SoulBoxError(
      'RUNTIME_UNAVAILABLE',
      'sandboxes need idmapped template layers (Linux >= 5.19, and a templates filesystem that ' +
        `supports idmapped mounts: ext4, xfs, btrfs or tmpfs >= 6.3); this host failed: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    await cleanup();
    fs.rmSync(source, { recursive: true, force: true });
  }
}
