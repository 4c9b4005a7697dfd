import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.js';

/** Where the envd runtime is mounted inside every sandbox. */
export const ENVD_MOUNT = '/.soulbox';

/** A prepared, read-only envd runtime directory: node, the libraries it needs, the envd bundle. */
export interface EnvdRuntime {
  /** Host directory bind-mounted read-only at {@link ENVD_MOUNT}. */
  dir: string;
  /** Content hash naming the directory. */
  hash: string;
  /** The command that starts envd inside a sandbox (through the copied dynamic loader). */
  args: string[];
}

function hashTree(h: ReturnType<typeof createHash>, dir: string, rel = ''): void {
  for (const entry of fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(rel, entry.name);
    h.update(p);
    if (entry.isDirectory()) hashTree(h, dir, p);
    else if (entry.isFile()) h.update(fs.readFileSync(path.join(dir, p)));
  }
}

async function sharedLibraries(binary: string): Promise<{ loader: string; libs: string[] }> {
  const { stdout } = await run('ldd', [binary]);
  let loader = '';
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const arrow = line.match(/=>\s+(\/\S+)/);
    if (arrow?.[1]) libs.push(arrow[1]);
    else {
      const direct = line.trim().match(/^(\/\S+)\s+\(/);
      if (direct?.[1]) loader = direct[1];
    }
  }
  if (!loader) throw new Error(`could not find the dynamic loader of ${binary} in ldd output`);
  return { loader, libs };
}

/**
 * Prepares `<dataDir>/envd/<hash>`: a copy of the host's node binary, the shared libraries
 * it links (from ldd) with their loader, and the envd bundle. Copying (rather than mounting
 * host paths) keeps running sandboxes working across host upgrades; one directory shared by
 * every sandbox keeps node's text pages shared in the page cache.
 */
export async function prepareEnvdRuntime(opts: {
  dataDir: string;
  bundleDir: string;
  nodeBinary?: string;
}): Promise<EnvdRuntime> {
  const node = opts.nodeBinary ?? process.execPath;
  if (!fs.existsSync(path.join(opts.bundleDir, 'envd.cjs'))) {
    throw new Error(`the envd bundle is missing at ${opts.bundleDir} (run npm run build)`);
  }
  const h = createHash('sha256');
  const st = fs.statSync(node);
  h.update(`${fs.realpathSync(node)}:${st.size}:${st.mtimeMs}`);
  hashTree(h, opts.bundleDir);
  const hash = h.digest('hex').slice(0, 16);
  const root = path.join(opts.dataDir, 'envd');
  const dir = path.join(root, hash);
  const { loader } = await sharedLibraries(node);
  const loaderName = path.basename(loader);
  const args = [
    `${ENVD_MOUNT}/lib/${loaderName}`,
    '--library-path',
    `${ENVD_MOUNT}/lib`,
    `${ENVD_MOUNT}/bin/node`,
    '--max-semi-space-size=1',
    '--max-old-space-size=96',
    `${ENVD_MOUNT}/envd/envd.cjs`,
  ];
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, hash, args };

  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  const tmp = fs.mkdtempSync(path.join(root, '.tmp-'));
  try {
    const { libs } = await sharedLibraries(node);
    for (const d of ['bin', 'lib']) fs.mkdirSync(path.join(tmp, d), { mode: 0o755 });
    fs.copyFileSync(node, path.join(tmp, 'bin', 'node'));
    fs.chmodSync(path.join(tmp, 'bin', 'node'), 0o755);
    for (const lib of [...libs, loader]) {
      const dest = path.join(tmp, 'lib', path.basename(lib));
      fs.copyFileSync(fs.realpathSync(lib), dest);
      fs.chmodSync(dest, 0o755);
    }
    fs.cpSync(opts.bundleDir, path.join(tmp, 'envd'), { recursive: true, dereference: true });
    fs.chmodSync(tmp, 0o755);
    fs.writeFileSync(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  // Older runtimes are left for sandboxes that still mount them; they are removed at start-up
  // by the reconciler once nothing uses them.
  return { dir, hash, args };
}
