import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildRootfs } from './builder.js';
import { TemplateInUseError, TemplateNotFoundError } from './errors.js';
import { acquireBuildLock } from './lock.js';
import type { TemplateBuildPhase, TemplateProgressListener } from './progress.js';
import {
  canonicalTemplateName,
  RECIPE_VERSION,
  RECIPES,
  type ResolvedRecipe,
  recipeHash,
  resolveRecipe,
  TEMPLATE_NAME_PATTERN,
} from './recipe.js';
import { findMountUsing, removeTree } from './remove-tree.js';
import { findTool } from './run-tool.js';
import { type SharedBuild, startSharedBuild } from './shared-build.js';
import {
  METADATA_FILE,
  readTemplateDir,
  type TemplateMetadata,
  type TemplateRootfs,
} from './template-metadata.js';

export type { TemplateMetadata, TemplateRootfs };

export interface TemplateLogger {
  info(msg: string, data?: object): void;
  warn(msg: string, data?: object): void;
  error(msg: string, data?: object): void;
}

export interface TemplateStoreOptions {
  /**
   * Holds `<name>/<hash>/{rootfs,template.json}`, build dirs and lock files. Absolute.
   * Created (or made) 0700 root: see {@link createTemplateStore}.
   */
  templatesDir: string;
  /**
   * Which sandbox a build's dir is the lower layer of, if any (`remove` refuses then). Mounts
   * are checked as well, but a sandbox's lower layer is a detached idmapped view that the
   * mount table does not show; the runtime knows.
   */
  sandboxUsing?: (templateDir: string) => string | undefined;
  /** @default 'http://deb.debian.org/debian' */
  debianMirror?: string;
  /** Security updates repository; `''` to build without one. @default 'http://deb.debian.org/debian-security' */
  debianSecurityMirror?: string;
  /** Build progress; {@link createProgressRenderer} draws it on stderr. */
  onProgress?: TemplateProgressListener;
  logger?: TemplateLogger;
}

export interface TemplateStore {
  /** The templates directory (Dockerfile builds write their results here). */
  readonly dir: string;
  /**
   * The current build of `name`, building it first when missing (minutes). Concurrent calls
   * share one build; it is cancelled only when every caller's signal has aborted.
   * @throws TemplateNotFoundError for unknown names, TemplateBuildError when a build step fails.
   */
  ensure(name: string, opts?: { signal?: AbortSignal }): Promise<TemplateRootfs>;
  /** The current build of `name` if it is on disk (no build). */
  get(name: string): TemplateRootfs | undefined;
  /** Whether `name` is a template this server can build (built yet or not), or a built custom one. */
  known(name: string): boolean;
  /** Whether `name` is one of the server's recipes (`base`, ...), which builds may not replace. */
  isRecipe(name: string): boolean;
  /** Every build on disk, current and outdated, by name then age. */
  list(): TemplateRootfs[];
  /** Deletes one build. No-op when absent. The caller makes sure no sandbox uses it. */
  remove(name: string, hash: string): Promise<void>;
}

/** Builds the rootfs of `recipe` into `rootfs`; replaceable in tests. */
export type RootfsBuilder = typeof buildRootfs;

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEFAULT_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';
const HASH_PATTERN = /^[0-9a-f]{64}$/;
const noopLogger: TemplateLogger = { info() {}, warn() {}, error() {} };

/** Name prefixes of build and trash directories; `mkdtemp` appends six random characters. */
export function buildDirPrefix(name: string): string {
  return `.build-${name}-`;
}

function trashDirPrefix(name: string): string {
  return `.trash-${name}-`;
}

/** Whether `entry` was made by `mkdtemp(prefix)`: `.build-base-` must not match `.build-base-ci-…`. */
function isTempDirOf(entry: string, prefix: string): boolean {
  return entry.startsWith(prefix) && /^[A-Za-z0-9]{6}$/.test(entry.slice(prefix.length));
}

function checkMirror(setting: string, value: string, allowEmpty: boolean): string {
  if (allowEmpty && value === '') return value;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // The value ends up in sources.list and on debootstrap's command line: one plain URL.
  if (!url || !['http:', 'https:', 'file:', 'ftp:'].includes(url.protocol) || /\s/.test(value)) {
    throw new TypeError(`${setting} must be an http(s), ftp or file URL, got ${JSON.stringify(value)}`);
  }
  return value;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Opens the template store. Templates keep the image's owners on disk (0..65535, so a
 * template's uid-1000 files belong to host uid 1000 too) and may hold setuid-root binaries
 * from any image: the templates dir is made 0700 so that no host user reaches into it.
 * Sandboxes see a template only through their own idmapped, read-only mount.
 */
export function createTemplateStore(options: TemplateStoreOptions): TemplateStore {
  return createTemplateStoreWith(options, buildRootfs);
}

/** {@link createTemplateStore} with the rootfs builder replaced (tests). Not part of the package API. */
export function createTemplateStoreWith(
  options: TemplateStoreOptions,
  builder: RootfsBuilder,
): TemplateStore {
  const templatesDir = options.templatesDir;
  if (!path.isAbsolute(templatesDir))
    throw new TypeError(`templatesDir must be absolute, got ${templatesDir}`);
  const mirror = checkMirror('debianMirror', options.debianMirror ?? DEFAULT_MIRROR, false);
  const securityMirror = checkMirror(
    'debianSecurityMirror',
    options.debianSecurityMirror ?? DEFAULT_SECURITY_MIRROR,
    true,
  );
  const logger = options.logger ?? noopLogger;
  /** Creates the dir, or closes an existing one (older versions made it 0755). */
  const guardDir = () => {
    mkdirSync(templatesDir, { recursive: true, mode: 0o700 });
    chmodSync(templatesDir, 0o700);
  };
  guardDir();

  const cache = new Map<string, TemplateRootfs>();
  const inflight = new Map<string, SharedBuild<TemplateRootfs>>();

  function target(name: string): { recipe: ResolvedRecipe; hash: string } {
    const recipe = TEMPLATE_NAME_PATTERN.test(name) ? resolveRecipe(name, RECIPES) : undefined;
    if (!recipe) throw new TemplateNotFoundError(name);
    return { recipe, hash: recipeHash(recipe) };
  }

  /** The newest build of a template made from a Dockerfile (not a recipe), if any is on disk. */
  function custom(name: string): TemplateRootfs | undefined {
    if (!TEMPLATE_NAME_PATTERN.test(name) || resolveRecipe(name, RECIPES)) return undefined;
    let hashes: string[];
    try {
      hashes = readdirSync(path.join(templatesDir, name));
    } catch {
      return undefined;
    }
    let newest: TemplateRootfs | undefined;
    for (const h of hashes) {
      if (!HASH_PATTERN.test(h)) continue;
      const t = readTemplateDir(path.join(templatesDir, name, h));
      if (t && t.name === name && (!newest || t.builtAt > newest.builtAt)) newest = t;
    }
    return newest;
  }

  function lookup(name: string, hash: string): TemplateRootfs | undefined {
    const key = `${name}/${hash}`;
    const cached = cache.get(key);
    if (cached && existsSync(cached.rootfsDir)) return cached;
    cache.delete(key);
    const found = readTemplateDir(path.join(templatesDir, name, hash));
    if (found && found.name === name && found.hash === hash) {
      cache.set(key, found);
      return found;
    }
    return undefined;
  }

  function progressEmitter(
    name: string,
  ): (phase: TemplateBuildPhase, message: string, percent?: number) => void {
    let last = '';
    return (phase, message, percent) => {
      const rounded = percent === undefined ? undefined : Math.round(percent);
      // apt and debootstrap report thousands of byte counts; forward only visible changes.
      const key = `${phase}\0${message}\0${rounded}`;
      if (key === last) return;
      last = key;
      try {
        options.onProgress?.({
          template: name,
          phase,
          message,
          ...(rounded === undefined ? {} : { percent: rounded }),
        });
      } catch (err) {
        logger.warn('template progress listener threw', { err });
      }
    };
  }

  /** Removes what interrupted builds and removals of `name` left behind; the caller holds the lock. */
  async function removeLeftovers(name: string): Promise<void> {
    for (const entry of await readdir(templatesDir)) {
      if (!isTempDirOf(entry, buildDirPrefix(name)) && !isTempDirOf(entry, trashDirPrefix(name))) continue;
      logger.warn('removing leftovers of an interrupted template build', { dir: entry });
      await removeTree(path.join(templatesDir, entry));
    }
  }

  async function build(
    name: string,
    recipe: ResolvedRecipe,
    hash: string,
    signal: AbortSignal,
  ): Promise<TemplateRootfs> {
    const emit = progressEmitter(name);
    const startedMs = Date.now();
    guardDir();
    let waited = false;
    const lock = await acquireBuildLock(path.join(templatesDir, `.${name}.lock`), {
      signal,
      onWait: (holder) => {
        waited = true;
        emit('wait', `waiting for another build of ${name} (pid ${holder.split(' ')[0]})`);
      },
    });
    try {
      // Another process may have finished it while we waited for the lock.
      const done = lookup(name, hash);
      if (done) {
        if (waited) emit('done', 'built by another process');
        return done;
      }
      await removeLeftovers(name);
      logger.info('building template', { template: name, hash, mirror });
      const buildDir = await mkdtemp(path.join(templatesDir, buildDirPrefix(name)));
      try {
        await chmod(buildDir, 0o755);
        const { sizeBytes } = await builder({
          recipe,
          rootfs: path.join(buildDir, 'rootfs'),
          mirror,
          securityMirror,
          signal,
          onProgress: emit,
          onWarning: (message) => logger.warn('debootstrap warning', { template: name, message }),
        });
        const meta: TemplateMetadata = {
          name,
          hash,
          builtAt: new Date().toISOString(),
          sizeBytes,
          packages: [...recipe.packages],
          recipeVersion: RECIPE_VERSION,
          uidShift: 0,
          debian: { suite: recipe.source.suite, variant: recipe.source.variant, mirror },
          buildMs: Date.now() - startedMs,
          ...(recipe.codeInterpreter ? { codeInterpreter: true } : {}),
        };
        await writeFile(path.join(buildDir, METADATA_FILE), `${JSON.stringify(meta, null, 2)}\n`, {
          mode: 0o644,
        });
        signal.throwIfAborted();
        // Flush the whole tree before the rename makes it count as good: after a power
        // loss a renamed-but-unwritten rootfs would be a corrupt cache hit.
        await promisify(execFile)(findTool('sync') ?? '/bin/sync', ['-f', buildDir]);
        const nameDir = path.join(templatesDir, name);
        const finalDir = path.join(nameDir, hash);
        await mkdir(nameDir, { recursive: true, mode: 0o755 });
        if (existsSync(finalDir)) await removeTree(finalDir); // unreadable leftover, not a valid build
        await rename(buildDir, finalDir);
        await syncDirectory(nameDir);
        const result = lookup(name, hash);
        if (!result) throw new Error(`template ${name} vanished right after its build`);
        logger.info('template built', { template: name, hash, sizeBytes, buildMs: meta.buildMs });
        emit('done', `built in ${Math.round(meta.buildMs / 1000)} s, ${Math.round(sizeBytes / 2 ** 20)} MiB`);
        return result;
      } catch (err) {
        await removeTree(buildDir).catch((cleanupErr: unknown) =>
          logger.error('cannot remove a failed template build', { dir: buildDir, err: cleanupErr }),
        );
        throw err;
      }
    } catch (err) {
      const aborted = signal.aborted;
      emit(
        'failed',
        aborted ? 'cancelled' : err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err),
      );
      if (!aborted) logger.error('template build failed', { template: name, err });
      throw err;
    } finally {
      await lock.release();
    }
  }

  return {
    dir: templatesDir,

    async ensure(alias, opts = {}) {
      opts.signal?.throwIfAborted();
      const name = canonicalTemplateName(alias);
      const built = custom(name);
      if (built) return built;
      const { recipe, hash } = target(name);
      const hit = lookup(name, hash);
      if (hit) return hit;
      let shared = inflight.get(name);
      if (!shared) {
        const created = startSharedBuild(
          (signal) =>
            build(name, recipe, hash, signal).finally(() => {
              if (inflight.get(name) === created) inflight.delete(name);
            }),
          // Later callers must start afresh rather than join a build being torn down.
          () => {
            if (inflight.get(name) === created) inflight.delete(name);
          },
        );
        inflight.set(name, created);
        shared = created;
      }
      return shared.join(opts.signal);
    },

    get(alias) {
      const name = canonicalTemplateName(alias);
      const built = custom(name);
      if (built) return built;
      try {
        const { hash } = target(name);
        return lookup(name, hash);
      } catch (err) {
        if (err instanceof TemplateNotFoundError) return undefined;
        throw err;
      }
    },

    known(name) {
      return (
        TEMPLATE_NAME_PATTERN.test(name) &&
        (resolveRecipe(name, RECIPES) !== undefined || custom(name) !== undefined)
      );
    },

    isRecipe(name) {
      return TEMPLATE_NAME_PATTERN.test(name) && resolveRecipe(name, RECIPES) !== undefined;
    },

    list() {
      const found: TemplateRootfs[] = [];
      let names: string[];
      try {
        names = readdirSync(templatesDir);
      } catch {
        return [];
      }
      for (const name of names.filter((n) => TEMPLATE_NAME_PATTERN.test(n)).sort()) {
        let hashes: string[];
        try {
          hashes = readdirSync(path.join(templatesDir, name));
        } catch {
          continue;
        }
        const builds = hashes
          .filter((h) => HASH_PATTERN.test(h))
          .map((h) => readTemplateDir(path.join(templatesDir, name, h)))
          .filter((t): t is TemplateRootfs => t !== undefined && t.name === name);
        found.push(...builds.sort((a, b) => a.builtAt.localeCompare(b.builtAt)));
      }
      return found;
    },

    async remove(name, hash) {
      if (!TEMPLATE_NAME_PATTERN.test(name) || !HASH_PATTERN.test(hash))
        throw new TemplateNotFoundError(`${name}@${hash}`);
      const dir = path.join(templatesDir, name, hash);
      if (!existsSync(dir)) return;
      const sandbox = options.sandboxUsing?.(dir);
      if (sandbox !== undefined) throw new TemplateInUseError(name, hash, `sandbox ${sandbox}`);
      const mount = findMountUsing(dir);
      if (mount !== undefined) throw new TemplateInUseError(name, hash, `the mount at ${mount}`);
      // Rename first so that no reader ever sees a half-deleted rootfs; a removal killed
      // half-way leaves a `.trash-*` dir that the next build of this name deletes.
      const trash = await mkdtemp(path.join(templatesDir, trashDirPrefix(name)));
      await rename(dir, path.join(trash, hash));
      cache.delete(`${name}/${hash}`);
      await removeTree(trash);
      logger.info('template removed', { template: name, hash });
    },
  };
}
