import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { aptInstall } from './apt.js';
import { FINALIZE_SCRIPT, PREPARE_SCRIPT } from './build-scripts.js';
import { runChrootScript } from './chroot.js';
import { runDebootstrap } from './debootstrap.js';
import { TemplateBuildError } from './errors.js';
import type { TemplateBuildPhase } from './progress.js';
import type { ResolvedRecipe } from './recipe.js';
import { checkRootfsOwners } from './rootfs-owners.js';
import { findTool } from './run-tool.js';

export interface BuildRootfsOptions {
  recipe: ResolvedRecipe;
  /** Directory to create the rootfs in; must not exist yet. */
  rootfs: string;
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
 * Builds a template rootfs: debootstrap, apt packages, setup scripts, cleanup, then a check
 * that every owner is an image id (0..65535). Owners stay as the packages made them (setuid
 * bits and file capabilities untouched): each sandbox sees the tree through an idmapped
 * mount into its own range. Every chroot step runs in a throw-away mount namespace. On
 * failure the half-built directory is left for the caller to delete.
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

  onProgress('check', 'checking owners', 0);
  const checked = await checkRootfsOwners(rootfs, { signal });
  onProgress('check', `${checked.entries} entries, ${Math.round(checked.sizeBytes / 2 ** 20)} MiB`, 100);
  return { sizeBytes: checked.sizeBytes };
}
