import { access, copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { aptInstall } from './apt.js';
import { FINALIZE_SCRIPT, PREPARE_SCRIPT } from './build-scripts.js';
import { runChrootCommand, runChrootScript } from './chroot.js';
import { runDebootstrap } from './debootstrap.js';
import { TemplateBuildError } from './errors.js';
import { type FileCapability, parseGetcapOutput, setcapArgs } from './file-caps.js';
import type { TemplateBuildPhase } from './progress.js';
import type { ResolvedRecipe } from './recipe.js';
import { findTool } from './run-tool.js';
import { shiftOwnership } from './uid-shift.js';

export interface BuildRootfsOptions {
  recipe: ResolvedRecipe;
  /** Directory to create the rootfs in; must not exist yet. */
  rootfs: string;
  uidShift: number;
  mirror: string;
  /** Empty string: no security repository. */
  securityMirror: string;
  signal?: AbortSignal;
  onProgress: (phase: TemplateBuildPhase, message: string, percent?: number) => void;
  onWarning?: (message: string) => void;
}

export interface BuildRootfsResult {
  sizeBytes: number;
}

/** Host tools a build needs, each with the Debian package that provides it. */
const REQUIRED_TOOLS = {
  debootstrap: 'debootstrap',
  setpriv: 'util-linux',
  unshare: 'util-linux',
  chroot: 'coreutils',
} as const;

type BuildTools = Record<keyof typeof REQUIRED_TOOLS, string>;

function resolveTools(template: string): BuildTools {
  const tools: Partial<BuildTools> = {};
  for (const [name, pkg] of Object.entries(REQUIRED_TOOLS) as [keyof BuildTools, string][]) {
    const found = findTool(name);
    if (found === undefined) {
      throw new TemplateBuildError(
        `${name} is not installed; SoulBox builds templates with it. Install it with \`apt-get install ${pkg}\``,
        { template, phase: 'debootstrap', exitCode: null },
      );
    }
    tools[name] = found;
  }
  return tools as BuildTools;
}

/**
 * Builds a template rootfs: debootstrap, apt packages, setup scripts, cleanup, then the
 * uid shift. Every chroot step runs in a throw-away mount namespace. On failure the
 * half-built directory is left for the caller to delete.
 */
export async function buildRootfs(options: BuildRootfsOptions): Promise<BuildRootfsResult> {
  const { recipe, rootfs, signal, onProgress } = options;
  const template = recipe.name;
  const tools = resolveTools(template);
  const chrootBase = { template, tools, rootfs, signal };

  onProgress('debootstrap', `${recipe.source.variant} ${recipe.source.suite} from ${options.mirror}`, 0);
  await runDebootstrap({
    template,
    tools,
    suite: recipe.source.suite,
    variant: recipe.source.variant,
    target: rootfs,
    mirror: options.mirror,
    signal,
    onProgress: (p) => onProgress('debootstrap', p.message, p.percent),
    onWarning: options.onWarning,
  });

  // apt inside the chroot resolves the mirror with the host's resolver configuration;
  // the finalize step replaces this copy. Unlink first: never write through a symlink.
  await rm(path.join(rootfs, 'etc/resolv.conf'), { force: true });
  await copyFile('/etc/resolv.conf', path.join(rootfs, 'etc/resolv.conf'));

  onProgress('apt', 'updating package lists', 0);
  await runChrootScript({
    ...chrootBase,
    phase: 'apt',
    description: 'apt-get update/upgrade',
    script: PREPARE_SCRIPT,
    args: [options.mirror, recipe.source.suite, options.securityMirror],
  });
  for (const layer of recipe.layers) {
    if (layer.aptPackages.length === 0) continue;
    await aptInstall({
      ...chrootBase,
      packages: layer.aptPackages,
      onProgress: (p) => onProgress('apt', p.message, p.percent),
    });
  }

  for (const layer of recipe.layers) {
    onProgress('configure', `running the ${layer.name} setup script`);
    await runChrootScript({
      ...chrootBase,
      phase: 'configure',
      description: `the ${layer.name} setup script`,
      script: layer.setupScript,
    });
  }
  onProgress('configure', 'cleaning up');
  await runChrootScript({
    ...chrootBase,
    phase: 'configure',
    description: 'the finalize script',
    script: FINALIZE_SCRIPT,
  });

  onProgress('shift', 'listing file capabilities', 0);
  const caps = options.uidShift === 0 ? [] : await listFileCapabilities({ ...chrootBase, tools });
  onProgress('shift', `shifting owners by ${options.uidShift}`, 10);
  const shifted = await shiftOwnership(rootfs, options.uidShift, { signal });
  if (caps.length > 0) {
    onProgress('shift', `restoring ${caps.length} file capabilities`, 90);
    await runChrootCommand({
      ...chrootBase,
      phase: 'shift',
      description: 'setcap',
      command: ['/usr/sbin/setcap', ...setcapArgs(caps, options.uidShift)],
    });
  }
  onProgress('shift', `${shifted.entries} entries, ${Math.round(shifted.sizeBytes / 2 ** 20)} MiB`, 100);
  return { sizeBytes: shifted.sizeBytes };
}

/**
 * File capabilities (ping's cap_net_raw) live in an xattr that `chown` deletes. In a
 * Debian rootfs they can only have been set by a package script through the rootfs's own
 * `setcap`, so no `getcap` in the rootfs means no capabilities to keep.
 */
async function listFileCapabilities(options: {
  template: string;
  tools: BuildTools;
  rootfs: string;
  signal?: AbortSignal;
}): Promise<FileCapability[]> {
  const getcap = path.join(options.rootfs, 'usr/sbin/getcap');
  if (
    !(await access(getcap).then(
      () => true,
      () => false,
    ))
  )
    return [];
  const lines: string[] = [];
  await runChrootCommand({
    ...options,
    phase: 'shift',
    description: 'getcap',
    command: ['/usr/sbin/getcap', '-r', '/'],
    onOutputLine: (line) => lines.push(line),
  });
  return parseGetcapOutput(lines);
}
