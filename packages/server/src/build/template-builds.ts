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
import { TemplateInUseError, type TemplateRootfs, type TemplateStore } from '../template/index.js';
import type { Logger } from '../util/logger.js';
import { type BuildRecord, createBuildRegistry } from './build-registry.js';
import { type BuildResources, runBuild } from './build-runner.js';
import type { BuildBase, BuildStep } from './build-steps.js';
import { createUploadBudget, type UploadLimits } from './upload-budget.js';

/** A stored upload no build has used for this long is removed (and its tenant's share freed). */
export const UPLOAD_TTL_MS = 3_600_000;

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const FILES_HASH = /^[A-Za-z0-9_-]{8,128}$/;

/** Options for {@link createTemplateBuilds}. */
export interface TemplateBuildsOptions {
  sandboxes: SandboxManager;
  runtime: SandboxRuntime;
  templates: TemplateStore;
  uidShift: number;
  /** Upper bounds for a build sandbox's resources. */
  limits: { maxCpuCount: number; maxMemoryMiB: number; maxDiskMiB: number };
  /** Per-upload and per-tenant bounds on COPY-context uploads. */
  uploads: UploadLimits;
  logger: Logger;
}

/** A template as the list shows it: the newest build of each name, plus running builds. */
export interface TemplateSummary {
  name: string;
  kind: 'recipe' | 'dockerfile';
  status: 'ready' | 'building' | 'waiting' | 'error';
  build?: TemplateRootfs;
  buildID?: string;
  buildCount: number;
}

/** Dockerfile-subset builds (E2B's v3 template build flow) and template listing/removal. */
export interface TemplateBuilds {
  /** `POST /v3/templates`: registers a build of `name`; steps come with {@link start}. */
  create(name: string, tenantId: string, resources: Partial<BuildResources>): BuildRecord;
  /** Whether a COPY context with this hash is already uploaded. */
  hasFiles(hash: string): boolean;
  /**
   * Stores an uploaded COPY context (a tar, optionally gzipped) for a tenant, within the
   * `uploads` bounds (counted while it streams; `declaredBytes` is checked first).
   */
  saveFiles(hash: string, body: Readable, tenantId: string, declaredBytes?: number): Promise<void>;
  /** `POST /v2/templates/{id}/builds/{buildID}`: starts the build in the background. */
  start(
    templateID: string,
    buildID: string,
    spec: { base: BuildBase; steps: BuildStep[]; force: boolean },
  ): void;
  get(templateID: string, buildID: string): BuildRecord;
  list(): TemplateSummary[];
  /** Deletes every build of a Dockerfile-built template. */
  remove(name: string): Promise<void>;
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
  const uploadsDir = path.join(o.templates.dir, '.uploads');
  const resources = new Map<string, BuildResources>();
  const running = new Set<Promise<void>>();
  const budget = createUploadBudget(o.uploads);
  /** Drops stored uploads that no build used in time, and files an earlier run left behind. */
  const expireUploads = () => {
    for (const hash of budget.expire(UPLOAD_TTL_MS)) rmSync(path.join(uploadsDir, hash), { force: true });
    let names: string[] = [];
    try {
      names = readdirSync(uploadsDir);
    } catch {
      return;
    }
    const cutoff = Date.now() - UPLOAD_TTL_MS;
    for (const name of names) {
      const file = path.join(uploadsDir, name);
      try {
        if (statSync(file).mtimeMs < cutoff && !running.size) rmSync(file, { force: true });
      } catch {
        // Gone meanwhile.
      }
    }
  };
  expireUploads();

  const clamp = (v: number | undefined, dflt: number, max: number) => Math.max(1, Math.min(v ?? dflt, max));

  return {
    create(name, tenantId, res) {
      if (!NAME.test(name))
        throw new SoulBoxError(
          'INVALID_ARGUMENT',
          `invalid template name '${name}' (a-z, 0-9, '-', '_'; up to 64)`,
        );
      if (o.templates.isRecipe(name))
        throw new SoulBoxError('INVALID_ARGUMENT', `'${name}' is a built-in template and cannot be replaced`);
      if (registry.active().some((b) => b.templateID === name))
        throw new SoulBoxError('SANDBOX_STATE_CONFLICT', `template '${name}' is being built already`);
      const b = registry.create(name, tenantId);
      resources.set(b.buildID, {
        cpuCount: clamp(res.cpuCount, 2, o.limits.maxCpuCount),
        memoryMiB: Math.max(256, clamp(res.memoryMiB, 2048, o.limits.maxMemoryMiB)),
        diskMiB: Math.max(1024, clamp(res.diskMiB, 16_384, o.limits.maxDiskMiB)),
      });
      return b;
    },
    hasFiles: (hash) => FILES_HASH.test(hash) && existsSync(path.join(uploadsDir, hash)),
    async saveFiles(hash, body, tenantId, declaredBytes) {
      if (!FILES_HASH.test(hash)) throw new SoulBoxError('INVALID_ARGUMENT', `invalid files hash '${hash}'`);
      expireUploads();
      const ticket = budget.begin(tenantId, hash, declaredBytes);
      mkdirSync(uploadsDir, { recursive: true, mode: 0o700 });
      const tmp = path.join(uploadsDir, `.${hash}.${process.pid}.${Date.now()}`);
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
        renameSync(tmp, path.join(uploadsDir, hash));
        ticket.commit();
      } finally {
        ticket.abort();
        rmSync(tmp, { force: true });
      }
    },
    start(templateID, buildID, spec) {
      const b = registry.get(templateID, buildID);
      if (!b) throw new SoulBoxError('NOT_FOUND', `build ${buildID} of template '${templateID}' not found`);
      if (b.status !== 'waiting')
        throw new SoulBoxError('SANDBOX_STATE_CONFLICT', `build ${buildID} was started already`);
      const res = resources.get(buildID)!;
      for (const s of spec.steps) if (s.type === 'COPY') budget.pin(s.filesHash);
      const p = runBuild({ ...o, registry, uploadsDir }, b, {
        name: templateID,
        ...spec,
        resources: res,
      }).finally(() => {
        running.delete(p);
        resources.delete(buildID);
        // Contexts are per build; a rebuild uploads again (hashes make that a no-op when cached).
        for (const s of spec.steps)
          if (s.type === 'COPY') {
            rmSync(path.join(uploadsDir, s.filesHash), { force: true });
            budget.release(s.filesHash);
          }
        removeIfEmpty(uploadsDir);
      });
      running.add(p);
    },
    get(templateID, buildID) {
      const b = registry.get(templateID, buildID);
      if (!b) throw new SoulBoxError('NOT_FOUND', `build ${buildID} of template '${templateID}' not found`);
      return b;
    },
    list() {
      const byName = new Map<string, TemplateRootfs[]>();
      for (const t of o.templates.list()) byName.set(t.name, [...(byName.get(t.name) ?? []), t]);
      const out: TemplateSummary[] = [];
      for (const [name, builds] of byName) {
        const current = o.templates.get(name) ?? builds.at(-1)!;
        out.push({
          name,
          kind: o.templates.isRecipe(name) ? 'recipe' : 'dockerfile',
          status: 'ready',
          build: current,
          buildCount: builds.length,
        });
      }
      for (const b of registry.active()) {
        const known = out.find((t) => t.name === b.templateID);
        if (known) known.status = 'building';
        else
          out.push({
            name: b.templateID,
            kind: 'dockerfile',
            status: b.status,
            buildID: b.buildID,
            buildCount: 0,
          });
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async remove(name) {
      if (o.templates.isRecipe(name))
        throw new SoulBoxError('INVALID_ARGUMENT', `'${name}' is a built-in template and cannot be deleted`);
      const builds = o.templates.list().filter((t) => t.name === name);
      if (builds.length === 0) throw new SoulBoxError('TEMPLATE_NOT_FOUND', `template '${name}' not found`);
      const inUse = o.sandboxes.list({ states: ['running', 'paused'] }).find((s) => s.templateId === name);
      if (inUse)
        throw new SoulBoxError(
          'TEMPLATE_IN_USE',
          `template '${name}' is used by sandbox ${inUse.id}; kill it first`,
        );
      for (const t of builds) {
        try {
          await o.templates.remove(name, t.hash);
        } catch (err) {
          if (err instanceof TemplateInUseError) throw new SoulBoxError('TEMPLATE_IN_USE', err.message);
          throw err;
        }
      }
      removeIfEmpty(path.join(o.templates.dir, name));
    },
    close() {
      for (const b of registry.active()) b.abort?.abort();
    },
  };
}
