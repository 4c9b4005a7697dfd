import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SoulBoxError } from '../errors/index.js';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import {
  type TemplateCatalog,
  TemplateInUseError,
  type TemplateRootfs,
  type TemplateStore,
} from '../template/index.js';
import type { SandboxQuotaGate } from '../tenancy/index.js';
import type { Logger } from '../util/logger.js';
import { type BuildRecord, createBuildRegistry } from './build-registry.js';
import { type BuildResources, runBuild } from './build-runner.js';
import { type BuildBase, type BuildStep, resolveBase } from './build-steps.js';
import { checkContext, contextDigests } from './context-digest.js';
import { createUploadBudget, type UploadLimits } from './upload-budget.js';

/** A stored upload no build has used for this long is removed (and its tenant's share freed). */
export const UPLOAD_TTL_MS = 3_600_000;

/** Longest a build sandbox lives (shorter under a tenant's maxLifetimeS). */
const BUILD_TIMEOUT_S = 6 * 3600;

const FILES_HASH = /^[A-Za-z0-9_-]{8,128}$/;

/** Options for {@link createTemplateBuilds}. */
export interface TemplateBuildsOptions {
  sandboxes: SandboxManager;
  runtime: SandboxRuntime;
  templates: TemplateStore;
  /** Who owns which template name (every call acts for one tenant). */
  catalog: TemplateCatalog;
  /** Tenant quotas: a build's sandbox passes them like any other; unset = none. */
  quotas?: SandboxQuotaGate;
  /** Upper bounds for a build sandbox's resources. */
  limits: { maxCpuCount: number; maxMemoryMiB: number; maxDiskMiB: number };
  /** Per-upload and per-tenant bounds on COPY-context uploads. */
  uploads: UploadLimits;
  logger: Logger;
}

/** A template as the list shows it to one tenant: its newest build, or a running build. */
export interface TemplateSummary {
  name: string;
  kind: 'recipe' | 'dockerfile';
  status: 'ready' | 'building' | 'waiting' | 'error';
  /** Readable and usable by every tenant (built-in, or published by the operator). */
  public: boolean;
  build?: TemplateRootfs;
  buildID?: string;
  buildCount: number;
}

/**
 * Dockerfile-subset builds (E2B's v3 template build flow) and template listing/removal.
 * Every call acts for one tenant and reaches only what the catalog lets it: its own
 * templates for changes, its own and public ones for reads.
 */
export interface TemplateBuilds {
  /** `POST /v3/templates`: registers a build of the tenant's `name`; steps come with {@link start}. */
  create(tenantId: string, name: string, resources: Partial<BuildResources>): BuildRecord;
  /** Whether a COPY context with this hash is uploaded for the tenant's template. */
  hasFiles(tenantId: string, name: string, hash: string): boolean;
  /**
   * Stores an uploaded COPY context (a tar, optionally gzipped) for the tenant's template,
   * within the `uploads` bounds (counted while it streams; `declaredBytes` is checked first).
   */
  saveFiles(
    tenantId: string,
    name: string,
    hash: string,
    body: Readable,
    declaredBytes?: number,
  ): Promise<void>;
  /**
   * `POST /v2/templates/{id}/builds/{buildID}`: checks the parent, every COPY upload against
   * its declared hash and the tenant's quotas, then runs the build in the background.
   */
  start(
    tenantId: string,
    name: string,
    buildID: string,
    spec: { base: BuildBase; steps: BuildStep[]; force: boolean },
  ): Promise<void>;
  get(tenantId: string, name: string, buildID: string): BuildRecord;
  list(tenantId: string): TemplateSummary[];
  /** Deletes every build of one of the tenant's Dockerfile-built templates. */
  remove(tenantId: string, name: string): Promise<void>;
  close(): void;
}

/** Removes a directory when nothing is left in it (the shared templates dir stays tidy). */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty, or already gone.
  }
}

export function createTemplateBuilds(o: TemplateBuildsOptions): TemplateBuilds {
  const registry = createBuildRegistry();
  const uploadsRoot = path.join(o.templates.dir, '.uploads');
  // Uploads are per template directory, so per tenant: no tenant sees, replaces or uses
  // another's files, and "is this hash uploaded?" says nothing about other tenants.
  const uploadsOf = (dir: string) => path.join(uploadsRoot, dir);
  const resources = new Map<string, BuildResources>();
  const running = new Set<Promise<void>>();
  const budget = createUploadBudget(o.uploads);
  /** The budget's key of an upload: uploads are per template directory. */
  const uploadKey = (dir: string, hash: string) => `${dir}/${hash}`;
  /** Drops stored uploads that no build used in time, and files an earlier run left behind. */
  const expireUploads = () => {
    for (const key of budget.expire(UPLOAD_TTL_MS)) rmSync(path.join(uploadsRoot, key), { force: true });
    let dirs: string[] = [];
    try {
      dirs = readdirSync(uploadsRoot);
    } catch {
      return;
    }
    const cutoff = Date.now() - UPLOAD_TTL_MS;
    for (const dir of dirs) {
      let names: string[] = [];
      try {
        names = readdirSync(uploadsOf(dir));
      } catch {
        continue;
      }
      for (const name of names) {
        const file = path.join(uploadsOf(dir), name);
        try {
          if (statSync(file).mtimeMs < cutoff && !running.size) rmSync(file, { force: true });
        } catch {
          // Gone meanwhile.
        }
      }
      removeIfEmpty(uploadsOf(dir));
    }
  };
  expireUploads();

  const clamp = (v: number | undefined, dflt: number, max: number) => Math.max(1, Math.min(v ?? dflt, max));
  const buildOf = (tenantId: string, name: string, buildID: string) => {
    const ref = o.catalog.own(tenantId, name);
    const b = registry.get(ref.dir, buildID);
    if (!b || b.tenantId !== tenantId)
      throw new SoulBoxError('NOT_FOUND', `build ${buildID} of template '${name}' not found`);
    return { ref, b };
  };

  /** Ends the builds of `dir` that were registered but never started. */
  const dropWaiting = (dir: string, why: string, except?: BuildRecord) => {
    for (const w of registry.active()) {
      if (w.templateID !== dir || w.status !== 'waiting' || w === except) continue;
      registry.finish(w, 'error', { message: why });
      resources.delete(w.buildID);
    }
  };

  /**
   * What a build needs before it may start: its parent as the tenant sees it (its own,
   * built-in or public, never another's private), every COPY upload checked against its
   * declared hash, and the tenant's quotas reserved for the build sandbox (so an over-quota
   * build is refused with 429 now, not failed later; the hold moves to the sandbox).
   */
  const prepare = async (
    tenantId: string,
    dir: string,
    uploadsDir: string,
    buildID: string,
    spec: { base: BuildBase; steps: BuildStep[] },
  ) => {
    const parent = o.catalog.resolve(tenantId, resolveBase(spec.base));
    if (parent.dir === dir)
      throw new SoulBoxError('INVALID_ARGUMENT', 'a template cannot be built FROM itself');
    const contentDigests: Record<string, string> = {};
    for (const [i, step] of spec.steps.entries()) {
      if (step.type !== 'COPY') continue;
      const file = path.join(uploadsDir, step.filesHash);
      const label = `step ${i + 1} COPY ${step.src}`;
      if (!existsSync(file))
        throw new SoulBoxError('INVALID_ARGUMENT', `${label}: its files were not uploaded`);
      let verdict: ReturnType<typeof checkContext>;
      try {
        const copy = { src: step.src, srcAsWritten: step.srcAsWritten ?? step.src, dest: step.dest };
        verdict = checkContext(step.filesHash, await contextDigests(file, copy));
      } catch (err) {
        verdict = { ok: false, reason: `the upload is not a tar archive (${(err as Error).message})` };
      }
      if (!verdict.ok) {
        // A wrong upload is dropped: the client uploads again after fixing it.
        rmSync(file, { force: true });
        budget.release(uploadKey(dir, step.filesHash));
        throw new SoulBoxError('INVALID_ARGUMENT', `${label}: ${verdict.reason}`);
      }
      contentDigests[step.filesHash] = verdict.digest;
    }
    const res = resources.get(buildID)!;
    const timeoutS = o.quotas?.capTimeout(tenantId, BUILD_TIMEOUT_S) ?? BUILD_TIMEOUT_S;
    const quotaHold = o.quotas?.reserve({
      templateId: parent.dir,
      tenantId,
      timeoutS,
      secure: true,
      networkMode: 'bridge',
      autoPause: false,
      cpuCount: res.cpuCount,
      memoryMiB: res.memoryMiB,
      diskMiB: res.diskMiB,
    });
    return { parentDir: parent.dir, contentDigests, timeoutS, quotaHold, res };
  };

  return {
    create(tenantId, name, res) {
      const ref = o.catalog.claim(tenantId, name);
      if (registry.active().some((b) => b.templateID === ref.dir && b.status === 'building'))
        throw new SoulBoxError('SANDBOX_STATE_CONFLICT', `template '${name}' is being built already`);
      const b = registry.create(ref.dir, ref.name, tenantId);
      // A build registered but never started (a client gave up) does not block the next one.
      dropWaiting(ref.dir, `superseded by build ${b.buildID}`, b);
      resources.set(b.buildID, {
        cpuCount: clamp(res.cpuCount, 2, o.limits.maxCpuCount),
        memoryMiB: Math.max(256, clamp(res.memoryMiB, 2048, o.limits.maxMemoryMiB)),
        diskMiB: Math.max(1024, clamp(res.diskMiB, 16_384, o.limits.maxDiskMiB)),
      });
      return b;
    },
    hasFiles(tenantId, name, hash) {
      const ref = o.catalog.own(tenantId, name);
      return FILES_HASH.test(hash) && existsSync(path.join(uploadsOf(ref.dir), hash));
    },
    async saveFiles(tenantId, name, hash, body, declaredBytes) {
      if (!FILES_HASH.test(hash)) throw new SoulBoxError('INVALID_ARGUMENT', `invalid files hash '${hash}'`);
      const ref = o.catalog.own(tenantId, name);
      expireUploads();
      const ticket = budget.begin(tenantId, uploadKey(ref.dir, hash), declaredBytes);
      const dir = uploadsOf(ref.dir);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = path.join(dir, `.${hash}.${process.pid}.${Date.now()}`);
      try {
        await pipeline(
          body,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              ticket.add(chunk.length);
              yield chunk;
            }
          },
          createWriteStream(tmp, { mode: 0o600 }),
        );
        renameSync(tmp, path.join(dir, hash));
        ticket.commit();
      } finally {
        ticket.abort();
        rmSync(tmp, { force: true });
      }
    },
    async start(tenantId, name, buildID, spec) {
      const { ref, b } = buildOf(tenantId, name, buildID);
      if (b.status !== 'waiting')
        throw new SoulBoxError('SANDBOX_STATE_CONFLICT', `build ${buildID} was started already`);
      const uploadsDir = uploadsOf(ref.dir);
      let prepared: Awaited<ReturnType<typeof prepare>>;
      try {
        prepared = await prepare(tenantId, ref.dir, uploadsDir, buildID, spec);
      } catch (err) {
        // A refused build ends here (its status says why); the client starts a new one.
        if (b.status === 'waiting')
          registry.finish(b, 'error', { message: err instanceof Error ? err.message : String(err) });
        removeIfEmpty(uploadsDir);
        removeIfEmpty(uploadsRoot);
        throw err;
      }
      const { parentDir, contentDigests, timeoutS, quotaHold, res } = prepared;
      // Two starts of one build may both have passed the first check before the awaits.
      if (b.status !== 'waiting') {
        quotaHold?.release();
        throw new SoulBoxError('SANDBOX_STATE_CONFLICT', `build ${buildID} was started already`);
      }
      b.status = 'building';
      for (const s of spec.steps) if (s.type === 'COPY') budget.pin(uploadKey(ref.dir, s.filesHash));
      const p = runBuild({ ...o, registry, uploadsDir }, b, {
        name: ref.dir,
        base: spec.base,
        parentDir,
        steps: spec.steps,
        force: spec.force,
        resources: res,
        timeoutS,
        contentDigests,
        ...(quotaHold ? { quotaHold } : {}),
      }).finally(() => {
        running.delete(p);
        resources.delete(buildID);
        // Contexts are per build; a rebuild uploads again (hashes make that a no-op when cached).
        for (const s of spec.steps)
          if (s.type === 'COPY') {
            rmSync(path.join(uploadsDir, s.filesHash), { force: true });
            budget.release(uploadKey(ref.dir, s.filesHash));
          }
        removeIfEmpty(uploadsDir);
        removeIfEmpty(uploadsRoot);
      });
      running.add(p);
    },
    get(tenantId, name, buildID) {
      return buildOf(tenantId, name, buildID).b;
    },
    list(tenantId) {
      const byDir = new Map<string, TemplateRootfs[]>();
      for (const t of o.templates.list()) byDir.set(t.name, [...(byDir.get(t.name) ?? []), t]);
      const out: TemplateSummary[] = [];
      for (const ref of o.catalog.visible(tenantId)) {
        const builds = byDir.get(ref.dir) ?? [];
        const active = registry.active().find((b) => b.templateID === ref.dir && b.tenantId === tenantId);
        if (builds.length === 0 && !active) continue;
        const current = builds.length ? (o.templates.get(ref.dir) ?? builds.at(-1)) : undefined;
        out.push({
          name: ref.name,
          kind: ref.builtIn ? 'recipe' : 'dockerfile',
          status: active ? (current ? 'building' : active.status) : 'ready',
          public: ref.public,
          ...(current ? { build: current } : {}),
          ...(active && !current ? { buildID: active.buildID } : {}),
          buildCount: builds.length,
        });
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async remove(tenantId, name) {
      const ref = o.catalog.own(tenantId, name);
      if (registry.active().some((b) => b.templateID === ref.dir && b.status === 'building'))
        throw new SoulBoxError(
          'SANDBOX_STATE_CONFLICT',
          `template '${name}' is being built; try again when it ends`,
        );
      dropWaiting(ref.dir, 'the template was deleted');
      const builds = o.templates.list().filter((t) => t.name === ref.dir);
      const inUse = o.sandboxes.list({ states: ['running', 'paused'] }).find((s) => s.templateId === ref.dir);
      if (inUse)
        throw new SoulBoxError(
          'TEMPLATE_IN_USE',
          `template '${name}' is used by sandbox ${inUse.id}; kill it first`,
        );
      for (const t of builds) {
        try {
          await o.templates.remove(ref.dir, t.hash);
        } catch (err) {
          if (err instanceof TemplateInUseError) throw new SoulBoxError('TEMPLATE_IN_USE', err.message);
          throw err;
        }
      }
      removeIfEmpty(path.join(o.templates.dir, ref.dir));
      try {
        for (const hash of readdirSync(uploadsOf(ref.dir))) budget.release(uploadKey(ref.dir, hash));
      } catch {
        // No uploads.
      }
      rmSync(uploadsOf(ref.dir), { recursive: true, force: true });
      removeIfEmpty(uploadsRoot);
      o.catalog.forget(ref);
    },
    close() {
      for (const b of registry.active()) b.abort?.abort();
    },
  };
}
