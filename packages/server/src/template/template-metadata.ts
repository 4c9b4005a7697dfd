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
  /** What sandboxes of a Dockerfile-built template start with (its ENV, USER, WORKDIR). */
  config?: TemplateConfig;
  /** Sandboxes run envd's code interpreter on port 49999 (`code-interpreter-v1` and templates built on it). */
  codeInterpreter?: boolean;
}

/** Sandbox defaults recorded by a template build. */
export interface TemplateConfig {
  envVars: Record<string, string>;
  /** Default user of processes and file operations. @default 'user' */
  user: string;
  /** Default working directory. @default '/home/user' */
  workdir: string;
}

/** What `template.json` beside `rootfs` holds (recipe builds; Dockerfile builds write their own keys). */
export interface TemplateMetadata extends Omit<TemplateRootfs, 'rootfsDir'> {
  /** The apt packages the recipe asked for (dependencies not listed). */
  packages: string[];
  recipeVersion: number;
  /**
   * How far owners on disk are shifted from the image's ids: always 0 now (sandboxes map
   * them with idmapped mounts). Builds of older versions, shifted by their server's
   * `runtime.uidShift`, are not used: their owners would map outside any sandbox's range.
   */
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
    // Image owners only: see TemplateMetadata.uidShift.
    meta.uidShift !== 0 ||
    !statSync(rootfsDir, { throwIfNoEntry: false })?.isDirectory()
  ) {
    return undefined;
  }
  const config = parseConfig((meta as { config?: unknown }).config);
  return {
    name: meta.name,
    hash: meta.hash,
    rootfsDir,
    builtAt: meta.builtAt,
    sizeBytes: meta.sizeBytes,
    ...(config ? { config } : {}),
    ...(meta.codeInterpreter === true ? { codeInterpreter: true } : {}),
  };
}

function parseConfig(value: unknown): TemplateConfig | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<TemplateConfig>;
  if (typeof v.user !== 'string' || typeof v.workdir !== 'string') return undefined;
  const envVars: Record<string, string> = {};
  for (const [k, val] of Object.entries(v.envVars ?? {})) if (typeof val === 'string') envVars[k] = val;
  return { envVars, user: v.user, workdir: v.workdir };
}
