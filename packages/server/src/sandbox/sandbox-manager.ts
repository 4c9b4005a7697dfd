import { EventEmitter } from 'node:events';
import { SoulBoxError } from '../errors/index.js';
import { type EgressPolicy, hasEgressRules, type Subnet, validateEgressPolicy } from '../network/index.js';
import type { DiskQuota } from '../runtime/disk-quota.js';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import type { NetworkMode, SandboxRecord, SandboxState, Store } from '../store/index.js';
import type { TemplateStore } from '../template/index.js';
import type { Logger } from '../util/logger.js';
import { type ExecOptions, type ExecResult, execThroughEnvd } from './envd-client.js';
import { isSandboxId, newAccessToken, newSandboxId } from './ids.js';
import { createKeyedLock } from './keyed-lock.js';
import { createMetricsSampler, type SandboxSample } from './metrics-sampler.js';
import { reconcileSandboxes } from './reconcile.js';

/** What a caller asks for when creating a sandbox (already validated for shape). */
export interface CreateSandboxRequest {
  templateId: string;
  tenantId: string;
  /** Seconds until the sandbox times out. @default config.sandbox.defaultTimeoutS */
  timeoutS?: number;
  metadata?: Record<string, string>;
  envVars?: Record<string, string>;
  /** Issue an envd access token. */
  secure: boolean;
  networkMode: NetworkMode;
  /** Outbound rules for a bridged sandbox (validated here). */
  egress?: EgressPolicy | null;
  autoPause: boolean;
  cpuCount?: number;
  memoryMiB?: number;
  diskMiB?: number;
}

/** Limits and defaults the manager enforces. */
export interface SandboxLimits {
  defaultTimeoutS: number;
  maxTimeoutS: number;
  defaultCpuCount: number;
  maxCpuCount: number;
  defaultMemoryMiB: number;
  maxMemoryMiB: number;
  defaultDiskMiB: number;
  maxDiskMiB: number;
}

/** Options for {@link createSandboxManager}. */
export interface SandboxManagerOptions {
  store: Store;
  runtime: SandboxRuntime;
  templates: TemplateStore;
  disk: DiskQuota;
  subnet: Subnet;
  limits: SandboxLimits;
  logger: Logger;
  /** Metrics sampling period. @default 5000 */
  metricsIntervalMs?: number;
}

/** Events: 'gone' (sandboxId) when a sandbox stops being reachable (killed or paused). */
export interface SandboxManager extends EventEmitter {
  create(req: CreateSandboxRequest): Promise<SandboxRecord>;
  /** A live (running or paused) sandbox; SANDBOX_NOT_FOUND otherwise, or when it belongs to another tenant. */
  get(id: string, tenantId?: string): SandboxRecord;
  /** Like get, but undefined instead of throwing. */
  find(id: string, tenantId?: string): SandboxRecord | undefined;
  list(q: { tenantId?: string; states?: readonly SandboxState[] }): SandboxRecord[];
  kill(id: string, tenantId?: string): Promise<void>;
  /** Sets the timeout to now + timeoutS. Running sandboxes only (E2B: paused ones are not kept alive). */
  setTimeout(id: string, timeoutS: number, tenantId?: string): Promise<SandboxRecord>;
  /** Pauses (freezer); SANDBOX_STATE_CONFLICT when already paused. */
  pause(id: string, tenantId?: string): Promise<void>;
  /**
   * Makes sure the sandbox runs: resumes a paused one (resumed = true), or extends (never
   * shortens) a running one's timeout.
   */
  connect(
    id: string,
    timeoutS: number | undefined,
    tenantId?: string,
  ): Promise<{ record: SandboxRecord; resumed: boolean }>;
  exec(id: string, command: string, opts?: ExecOptions): Promise<ExecResult>;
  metrics(id: string, startUnix?: number, endUnix?: number, tenantId?: string): SandboxSample[];
  /** Adopts live sandboxes and removes leftovers after a restart. */
  reconcile(): Promise<void>;
  /** Stops timers. Sandboxes keep running unless killAll. */
  close(opts?: { killAll?: boolean }): Promise<void>;
}

const LIVE: readonly SandboxState[] = ['starting', 'running', 'paused'];

function checkRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SoulBoxError(
      'INVALID_ARGUMENT',
      `${name} must be an integer between ${min} and ${max}, got ${value}`,
    );
  }
}

/** Creates the sandbox manager: the lifecycle state machine over the store and the runtime. */
export function createSandboxManager(o: SandboxManagerOptions): SandboxManager {
  const log = o.logger;
  const lock = createKeyedLock();
  const timers = new Map<string, NodeJS.Timeout>();
  const sampler = createMetricsSampler({ runtime: o.runtime, intervalMs: o.metricsIntervalMs });
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let closed = false;

  const find = (id: string, tenantId?: string): SandboxRecord | undefined => {
    if (!isSandboxId(id)) return undefined;
    const rec = o.store.getSandbox(id);
    if (!rec || rec.state === 'killed' || rec.state === 'starting') return undefined;
    if (tenantId !== undefined && rec.tenantId !== tenantId) return undefined;
    return rec;
  };
  const get = (id: string, tenantId?: string): SandboxRecord => {
    const rec = find(id, tenantId);
    if (!rec) {
      throw new SoulBoxError(
        'SANDBOX_NOT_FOUND',
        `Sandbox "${id}" doesn't exist or you don't have access to it`,
      );
    }
    return rec;
  };

  const arm = (rec: SandboxRecord) => {
    clearTimeout(timers.get(rec.id));
    timers.delete(rec.id);
    if (rec.state !== 'running' || closed) return;
    const delay = Math.max(0, Date.parse(rec.endAt) - Date.now());
    // setTimeout caps at 2^31-1 ms; re-arm for longer timeouts.
    const t = setTimeout(
      () => {
        timers.delete(rec.id);
        const cur = o.store.getSandbox(rec.id);
        if (cur?.state !== 'running') return;
        if (Date.parse(cur.endAt) > Date.now() + 50) return arm(cur);
        const action = cur.autoPause ? pauseNow(cur.id) : killNow(cur.id);
        action.catch((err) => log.error('timeout action failed', { sandboxId: cur.id, err }));
      },
      Math.min(delay, 2_147_000_000),
    );
    t.unref();
    timers.set(rec.id, t);
  };

  const destroyResources = async (rec: SandboxRecord) => {
    sampler.untrack(rec.id);
    await o.runtime.destroy(rec.id, { diskProjectId: rec.diskProjectId, netIndex: rec.netIndex });
  };

  const killNow = (id: string) =>
    lock.run(id, async () => {
      const rec = o.store.getSandbox(id);
      if (!rec || rec.state === 'killed') return;
      clearTimeout(timers.get(id));
      timers.delete(id);
      // Mark first so the sandbox vanishes from lists at once and the data plane answers 502.
      o.store.updateSandbox(id, { state: 'killed', killedAt: new Date().toISOString() });
      events.emit('gone', id);
      try {
        await destroyResources(rec);
        log.info('sandbox killed', { sandboxId: id });
      } catch (err) {
        log.error('sandbox cleanup failed; will retry at next start', { sandboxId: id, err });
      }
    });

  const pauseNow = (id: string) =>
    lock.run(id, async () => {
      const rec = o.store.getSandbox(id);
      if (rec?.state !== 'running') return;
      clearTimeout(timers.get(id));
      timers.delete(id);
      events.emit('gone', id);
      await o.runtime.pause(id);
      o.store.updateSandbox(id, { state: 'paused' });
      log.info('sandbox paused', { sandboxId: id });
    });

  const manager = Object.assign(events, {
    async create(req: CreateSandboxRequest): Promise<SandboxRecord> {
      if (closed) throw new SoulBoxError('RUNTIME_UNAVAILABLE', 'the server is shutting down');
      const L = o.limits;
      checkRange('timeout', req.timeoutS, 0, L.maxTimeoutS);
      checkRange('cpuCount', req.cpuCount, 1, L.maxCpuCount);
      checkRange('memoryMB', req.memoryMiB, 64, L.maxMemoryMiB);
      checkRange('diskSizeMB', req.diskMiB, 64, L.maxDiskMiB);
      const template = await o.templates.ensure(req.templateId);
      const id = newSandboxId();
      const now = Date.now();
      const timeoutS = req.timeoutS ?? L.defaultTimeoutS;
      const rec: SandboxRecord = {
        id,
        templateId: req.templateId,
        tenantId: req.tenantId,
        state: 'starting',
        cpuCount: req.cpuCount ?? L.defaultCpuCount,
        memoryMiB: req.memoryMiB ?? L.defaultMemoryMiB,
        diskMiB: req.diskMiB ?? L.defaultDiskMiB,
        metadata: req.metadata ?? {},
        envVars: req.envVars ?? {},
        accessToken: req.secure ? newAccessToken() : null,
        networkMode: req.networkMode,
        netIndex: null,
        diskProjectId: null,
        egress:
          req.networkMode === 'bridge' && hasEgressRules(req.egress)
            ? validateEgressPolicy(req.egress)
            : null,
        autoPause: req.autoPause,
        startedAt: new Date(now).toISOString(),
        endAt: new Date(now + timeoutS * 1000).toISOString(),
        killedAt: null,
      };
      // Allocation and insert happen in one synchronous step, so concurrent creates never share an index.
      if (rec.networkMode === 'bridge') {
        rec.netIndex = o.store.allocate('net_index', o.subnet.minIndex, o.subnet.maxIndex);
        if (rec.netIndex === null)
          throw new SoulBoxError('RATE_LIMITED', 'no free sandbox address in the network subnet');
      }
      if (o.disk.enforced) rec.diskProjectId = o.store.allocate('disk_project_id', 1000, 2 ** 31 - 1);
      o.store.insertSandbox(rec);
      return lock.run(id, async () => {
        try {
          await o.runtime.start({
            sandboxId: id,
            templateRootfs: template.rootfsDir,
            cpuCount: rec.cpuCount,
            memoryMiB: rec.memoryMiB,
            diskMiB: rec.diskMiB,
            netIndex: rec.netIndex,
            diskProjectId: rec.diskProjectId,
            egress: rec.egress,
            envd: {
              sandboxId: id,
              templateId: rec.templateId,
              envVars: rec.envVars,
              defaultUser: 'user',
              defaultWorkdir: '/home/user',
              // User processes go first when the sandbox runs out of memory (envd stays at 0 or below).
              childOomScoreAdj: 500,
            },
          });
        } catch (err) {
          o.store.updateSandbox(id, { state: 'killed', killedAt: new Date().toISOString() });
          throw err;
        }
        // The clock starts when the sandbox is usable.
        const started = Date.now();
        rec.state = 'running';
        rec.startedAt = new Date(started).toISOString();
        rec.endAt = new Date(started + timeoutS * 1000).toISOString();
        o.store.updateSandbox(id, { state: 'running', startedAt: rec.startedAt, endAt: rec.endAt });
        sampler.track(id, rec.cpuCount);
        arm(rec);
        log.info('sandbox created', { sandboxId: id, templateId: rec.templateId, network: rec.networkMode });
        return rec;
      });
    },
    get,
    find,
    list(q: { tenantId?: string; states?: readonly SandboxState[] }) {
      return o.store.listSandboxes({
        tenantId: q.tenantId,
        states: q.states?.length ? q.states : ['running', 'paused'],
      });
    },
    async kill(id: string, tenantId?: string) {
      get(id, tenantId);
      await killNow(id);
    },
    setTimeout(id: string, timeoutS: number, tenantId?: string) {
      checkRange('timeout', timeoutS, 0, o.limits.maxTimeoutS);
      get(id, tenantId);
      return lock.run(id, async () => {
        const rec = get(id, tenantId);
        if (rec.state !== 'running') {
          throw new SoulBoxError('SANDBOX_NOT_FOUND', `Sandbox "${id}" is not running`);
        }
        rec.endAt = new Date(Date.now() + timeoutS * 1000).toISOString();
        o.store.updateSandbox(id, { endAt: rec.endAt });
        arm(rec);
        return rec;
      });
    },
    async pause(id: string, tenantId?: string) {
      get(id, tenantId);
      await lock.run(id, async () => {
        const rec = get(id, tenantId);
        if (rec.state === 'paused')
          throw new SoulBoxError('SANDBOX_STATE_CONFLICT', `Sandbox "${id}" is already paused`);
      });
      await pauseNow(id);
    },
    connect(id: string, timeoutS: number | undefined, tenantId?: string) {
      checkRange('timeout', timeoutS, 0, o.limits.maxTimeoutS);
      get(id, tenantId);
      return lock.run(id, async () => {
        const rec = get(id, tenantId);
        const wanted = Date.now() + (timeoutS ?? o.limits.defaultTimeoutS) * 1000;
        if (rec.state === 'paused') {
          await o.runtime.resume(id);
          rec.state = 'running';
          rec.endAt = new Date(wanted).toISOString();
          o.store.updateSandbox(id, { state: 'running', endAt: rec.endAt });
          arm(rec);
          log.info('sandbox resumed', { sandboxId: id });
          return { record: rec, resumed: true };
        }
        // Connecting to a running sandbox only ever extends its life.
        if (wanted > Date.parse(rec.endAt)) {
          rec.endAt = new Date(wanted).toISOString();
          o.store.updateSandbox(id, { endAt: rec.endAt });
          arm(rec);
        }
        return { record: rec, resumed: false };
      });
    },
    async exec(id: string, command: string, opts?: ExecOptions) {
      const rec = get(id);
      if (rec.state !== 'running')
        throw new SoulBoxError('SANDBOX_STATE_CONFLICT', `Sandbox "${id}" is paused`);
      return execThroughEnvd(o.runtime.paths(id).envdSocket, command, opts);
    },
    metrics(id: string, startUnix?: number, endUnix?: number, tenantId?: string) {
      const rec = get(id, tenantId);
      if (rec.state === 'running' && sampler.query(id).length === 0) sampler.sampleNow(id);
      return sampler.query(id, startUnix, endUnix);
    },
    async reconcile() {
      const adopted = await reconcileSandboxes({ store: o.store, runtime: o.runtime, logger: log });
      for (const rec of adopted) {
        sampler.track(rec.id, rec.cpuCount);
        arm(rec);
      }
    },
    async close(opts?: { killAll?: boolean }) {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      if (opts?.killAll) {
        await Promise.all(o.store.listSandboxes({ states: LIVE }).map((r) => killNow(r.id)));
      }
      sampler.close();
    },
  });
  return manager;
}
