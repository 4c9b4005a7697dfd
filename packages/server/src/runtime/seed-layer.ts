import fs from 'node:fs';
import path from 'node:path';

/**
 * Files the runtime writes into every sandbox's writable layer before it starts, relative to
 * `/`. Template builds leave them out of what they capture (as Docker leaves out its
 * bind-mounted /etc/hosts), since they belong to one sandbox.
 */
export const SEEDED_FILES = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'] as const;

/** Contents of the {@link SEEDED_FILES} for one sandbox. */
export interface SeededFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

/** Options for {@link seedWritableLayer}. */
export interface SeedOptions {
  /** The overlay's upper dir; created here, must not exist yet. */
  upperDir: string;
  /** The template's root filesystem (the lowest layer), for the mode of `/etc`. */
  templateRootfs: string;
  files: SeededFiles;
  /** Host ids of root inside the sandbox. */
  owner: { uid: number; gid: number };
}

/**
 * Writes /etc/hosts, /etc/hostname and /etc/resolv.conf into a fresh upper dir, before the
 * overlay is mounted. Root in the sandbox may edit them (as in Docker), and what it writes
 * counts against the sandbox's disk limit like any other file: there is no host file behind
 * them. Nothing is written through the merged tree (a template may hold symlinks there), and
 * the upper dir is new, so every path below it is the runtime's own.
 *
 * The upper `etc` dir hides the template's `/etc` attributes (overlayfs shows a merged dir
 * with its upper inode's), so it takes the template's mode; its owner is the sandbox's root.
 */
export function seedWritableLayer(o: SeedOptions): void {
  fs.mkdirSync(o.upperDir, { mode: 0o755 });
  const etc = path.join(o.upperDir, 'etc');
  let mode = 0o755;
  try {
    const st = fs.lstatSync(path.join(o.templateRootfs, 'etc'));
    if (st.isDirectory()) mode = st.mode & 0o7777;
  } catch {
    // A template without /etc gets a plain 0755 one.
  }
  fs.mkdirSync(etc, { mode });
  fs.chmodSync(etc, mode);
  fs.chownSync(etc, o.owner.uid, o.owner.gid);
  const contents: Record<(typeof SEEDED_FILES)[number], string> = {
    'etc/hosts': o.files.hosts,
    'etc/hostname': o.files.hostname,
    'etc/resolv.conf': o.files.resolvConf,
  };
  for (const rel of SEEDED_FILES) {
    const file = path.join(o.upperDir, rel);
    // 'wx': the dir is fresh, so an existing entry would mean someone else is writing here.
    fs.writeFileSync(file, contents[rel], { mode: 0o644, flag: 'wx' });
    fs.chmodSync(file, 0o644);
    fs.chownSync(file, o.owner.uid, o.owner.gid);
  }
}
