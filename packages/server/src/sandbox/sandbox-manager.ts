import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { SoulBoxError } from '../errors/index.js';
import { type EgressPolicy, hasEgressRules, type Subnet, validateEgressPolicy } from '../network/index.js';
import type { DiskQuota } from '../runtime/disk-quota.js';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import { cpuSharesFor } from '../runtime/sandbox-spec.js';
import type { UidRangePool } from '../runtime/uid-ranges.js';
import {
  DEFAULT_TENANT_ID,
  type NetworkMode,
  type QosClass,
  type SandboxRecord,
  type SandboxState,
  type Store,
} from '../store/index.js';
import type { TemplateRootfs, TemplateStore } from '../template/index.js';
import type { Logger } from '../util/logger.js';
import type { Admission } from './admission.js';
import { type ExecOptions, type ExecResult, execThroughEnvd } from './envd-client.js';
import { isSandboxId, newAccessToken, newSandboxId } from './ids.js';
import { createKeyedLock } from './keyed-lock.js';
import { createMetricsSampler, type SandboxSample } from './metrics-sampler.js';
import { createWarmPool, type PoolKey, type WarmPool, type WarmPoolConfig } from './pool/warm-pool.js';
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
  /**
   * E2B's `network.allowPublicTraffic`: false issues a traffic token that every request to a
   * non-envd port must carry. @default true
   */
  allowPublicTraffic?: boolean;
  networkMode: NetworkMode;
  /** Outbound rules for a bridged sandbox (validated here). */
  egress?: EgressPolicy | null;
  autoPause: boolean;
  cpuCount?: number;
  memoryMiB?: number;
  diskMiB?: number;
  /** @default 'burstable' */
  qos?: QosClass;
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
  /** Host id ranges: each live sandbox gets its own. */
  uidRanges: UidRangePool;
  limits: SandboxLimits;
  /** The operator's `network.egressAllow` (allowOut entries only it can make reachable). @default [] */
  egressAllow?: readonly string[];
  admission: Admission;
  pool: WarmPoolConfig;
  logger: Logger;
  /** Metrics sampling period. @default 5000 */
  metricsIntervalMs?: number;
  /** Called once per successful create with its path and duration. */
  onCreate?: (path: 'warm' | 'cold', seconds: number) => void;
  /** Host memory available, MiB (the pool empties below its threshold). */
  memAvailableMiB?: () => number;
}

/** A lifecycle change, emitted as 'lifecycle' for the sandbox logs. */
export interface SandboxLifecycleEvent {
  sandboxId: string;
  tenantId: string;
  event: 'created' | 'adopted' | 'start-failed' | 'paused' | 'resumed' | 'timeout-set' | 'killed';
  /** One line for people, e.g. `sandbox created from template base`. */
  message: string;
  fields: Record<string, string>;
}

/**
 * Events: 'gone' (sandboxId) when a sandbox stops being reachable (killed or paused);
 * 'lifecycle' ({@link SandboxLifecycleEvent}) on every state change.
 */
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
  /** Adopts live sandboxes and removes leftovers after a restart, then starts the warm pool. */
  reconcile(): Promise<void>;
  /** Stops timers and the pool. Sandboxes keep running (and are adopted at next start) unless killAll. */
  close(opts?: { killAll?: boolean }): Promise<void>;
  /** The warm pool (levels and hit counters for metrics). */
  readonly pool: WarmPool;
}

const LIVE: readonly SandboxState[] = ['starting', 'pooled', 'running', 'paused'];

/**
 * envd's init config; a template built from a Dockerfile brings its ENV, USER and WORKDIR,
 * and code-interpreter templates turn on envd's port-49999 service.
 */
function envdInit(rec: SandboxRecord, template: TemplateRootfs) {
  const config = template.config;
  return {
    sandboxId: rec.id,
    templateId: rec.templateId,
    envVars: { ...config?.envVars, ...rec.envVars },
    defaultUser: config?.user ?? 'user',
    defaultWorkdir: config?.workdir ?? '/home/user',
    // User processes go first when the sandbox runs out of memory (envd stays at 0 or below).
    childOomScoreAdj: 500,
    ...(template.codeInterpreter ? { codeInterpreter: true } : {}),
  };
}

function memAvailableFromProc(): number {
  try {
    const m = /MemAvailable:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

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
  const lifecycle = (
    rec: Pick<SandboxRecord, 'id' | 'tenantId'>,
    event: SandboxLifecycleEvent['event'],
    message: string,
    fields: Record<string, string> = {},
  ) => {
    const ev: SandboxLifecycleEvent = { sandboxId: rec.id, tenantId: rec.tenantId, event, message, fields };
    events.emit('lifecycle', ev);
  };

  const find = (id: string, tenantId?: string): SandboxRecord | undefined => {
    if (!isSandboxId(id)) return undefined;
    const rec = o.store.getSandbox(id);
    if (!rec || rec.state === 'killed' || rec.state === 'starting' || rec.state === 'pooled')
      return undefined;
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
        const action = cur.autoPause ? pauseNow(cur.id) : killNow(cur.id, 'killed: its timeout expired');
        action.catch((err) => log.error('timeout action failed', { sandboxId: cur.id, err }));
      },
      Math.min(delay, 2_147_000_000),
    );
    t.unref();
    timers.set(rec.id, t);
  };

  /**
   * Ranges of killed sandboxes whose resources are not known to be gone. A killed record no
   * longer holds its range in the store, but its processes may still run until the container
   * is deleted, so the range is handed out again only after a successful destroy (or, when
   * that failed, after the next start's reconciliation).
   */
  const unreleased = new Set<number>();
  const allocateUidRange = (): number => {
    const base = o.uidRanges.pick([...o.store.liveUidBases(), ...unreleased]);
    if (base === null)
      throw new SoulBoxError('NODE_FULL', 'node full: every sandbox uid range is in use (runtime.uidRanges)');
    return base;
  };

  const destroyResources = async (rec: SandboxRecord) => {
    sampler.untrack(rec.id);
    if (rec.uidBase !== null) unreleased.add(rec.uidBase);
    await o.runtime.destroy(rec.id, {
      diskProjectId: rec.diskProjectId,
      netIndex: rec.netIndex,
      egress: hasEgressRules(rec.egress),
    });
    if (rec.uidBase !== null) unreleased.delete(rec.uidBase);
  };

  const killNow = (id: string, reason = 'killed') =>
    lock.run(id, async () => {
      const rec = o.store.getSandbox(id);
      if (!rec || rec.state === 'killed') return;
      clearTimeout(timers.get(id));
      timers.delete(id);
      // Its range stays taken until the container is gone (see unreleased).
      if (rec.uidBase !== null) unreleased.add(rec.uidBase);
      // Mark first so the sandbox vanishes from lists at once and the data plane answers 502.
      o.store.updateSandbox(id, { state: 'killed', killedAt: new Date().toISOString() });
      o.admission.release(id);
      pool.forget(id);
      events.emit('gone', id);
      lifecycle(rec, 'killed', `sandbox ${reason}`, { reason });
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
      lifecycle(rec, 'paused', 'sandbox paused');
      log.info('sandbox paused', { sandboxId: id });
    });

  let userCreates = 0;

  /** Reserves node capacity, making room by evicting pooled sandboxes when the node is full. */
  const admit = async (rec: SandboxRecord) => {
    const a = { cpuCount: rec.cpuCount, memoryMiB: rec.memoryMiB, qos: rec.qos };
    for (;;) {
      try {
        o.admission.reserve(rec.id, a);
        return;
      } catch (err) {
        if (!(await pool.evictOne())) throw err;
      }
    }
  };

  /**
   * Starts a sandbox for a record in state 'starting': addresses, disk project and row are
   * taken in one synchronous step (concurrent creates never share an index), then the
   * runtime brings it up. On failure everything is released and the record marked killed.
   */
  // Launches under way, so that close() can wait for them before it kills what exists.
  const launching = new Set<Promise<unknown>>();
  const launch = (rec: SandboxRecord, template: TemplateRootfs, background = false): Promise<void> => {
    const p = launchNow(rec, template, background);
    launching.add(p);
    void p.finally(() => launching.delete(p)).catch(() => {});
    return p;
  };
  const launchNow = async (rec: SandboxRecord, template: TemplateRootfs, background: boolean) => {
    let uidBase: number;
    try {
      uidBase = allocateUidRange();
    } catch (err) {
      o.admission.release(rec.id);
      throw err;
    }
    rec.uidBase = uidBase;
    if (rec.networkMode === 'bridge') {
      rec.netIndex = o.store.allocate('net_index', o.subnet.minIndex, o.subnet.maxIndex);
      if (rec.netIndex === null) {
        o.admission.release(rec.id);
        throw new SoulBoxError('NODE_FULL', 'node full: no free sandbox address in the network subnet');
      }
    }
    if (o.disk.mechanism === 'xfs')
      rec.diskProjectId = o.store.allocate('disk_project_id', 1000, 2 ** 31 - 1);
    o.store.insertSandbox(rec);
    await lock.run(rec.id, async () => {
      try {
        await o.runtime.start({
          sandboxId: rec.id,
          templateRootfs: template.rootfsDir,
          uidBase,
          cpuCount: rec.cpuCount,
          memoryMiB: rec.memoryMiB,
          diskMiB: rec.diskMiB,
          qos: rec.qos,
          background,
          netIndex: rec.netIndex,
          diskProjectId: rec.diskProjectId,
          egress: rec.egress,
          envd: envdInit(rec, template),
        });
      } catch (err) {
        unreleased.add(uidBase);
        o.store.updateSandbox(rec.id, { state: 'killed', killedAt: new Date().toISOString() });
        o.admission.release(rec.id);
        lifecycle(rec, 'start-failed', `sandbox failed to start: ${(err as Error).message}`);
        // start() removed what it made, but without saying whether all of it went: the range
        // is free again only once a destroy (idempotent) succeeds.
        await destroyResources(rec).catch((cleanupErr: unknown) =>
          log.error('cleanup after a failed start failed; its uid range stays taken', {
            sandboxId: rec.id,
            err: cleanupErr,
          }),
        );
        throw err;
      }
    });
  };

  /** Starts one pooled sandbox (default resources, no owner, no timeout). */
  const launchPooled = async (key: PoolKey): Promise<string> => {
    const L = o.limits;
    const template = await o.templates.ensure(key.templateId);
    const now = new Date().toISOString();
    const rec: SandboxRecord = {
      id: newSandboxId(),
      templateId: key.templateId,
      tenantId: DEFAULT_TENANT_ID,
      state: 'starting',
      cpuCount: L.defaultCpuCount,
      memoryMiB: L.defaultMemoryMiB,
      diskMiB: L.defaultDiskMiB,
      metadata: {},
      envVars: {},
      accessToken: null,
      trafficToken: null,
      networkMode: key.networkMode,
      netIndex: null,
      diskProjectId: null,
      uidBase: null,
      egress: null,
      autoPause: false,
      qos: 'burstable',
      startedAt: now,
      endAt: now,
      killedAt: null,
    };
    // The pool never evicts to make room for itself.
    o.admission.reserve(rec.id, { cpuCount: rec.cpuCount, memoryMiB: rec.memoryMiB, qos: rec.qos });
    // Lowest CPU weight while it waits: filling the pool never competes with user work.
    await launch(rec, template, true);
    o.store.updateSandbox(rec.id, { state: 'pooled' });
    if (closed) throw new Error('the server is shutting down');
    return rec.id;
  };

  /**
   * Hands a pooled sandbox to a request: the request's env vars go to envd, and owner,
   * metadata, timeout and a fresh access token to the record. Nothing ran in the sandbox
   * before, so it is as clean as a cold one.
   */
  const claim = (id: string, req: CreateSandboxRequest, egress: EgressPolicy | null) =>
    lock.run(id, async () => {
      const rec = o.store.getSandbox(id);
      if (rec?.state !== 'pooled') throw new Error(`sandbox ${id} is not pooled`);
      o.runtime.setCpuShares(id, cpuSharesFor(rec.qos));
      const envVars = req.envVars ?? {};
      if (Object.keys(envVars).length) {
        // /init replaces envd's sandbox-wide variables: keep the template's ENV under the request's.
        const templateEnv = o.templates.get(rec.templateId)?.config?.envVars;
        const r = await o.runtime.control(id, 'POST', '/init', { envVars: { ...templateEnv, ...envVars } });
        if (r.status >= 300) throw new Error(`envd refused its init (${r.status}): ${r.body}`);
      }
      if (egress && rec.netIndex !== null) await o.runtime.applyEgress(id, rec.netIndex, egress);
      const now = Date.now();
      const timeoutS = req.timeoutS ?? o.limits.defaultTimeoutS;
      const patch = {
        tenantId: req.tenantId,
        state: 'running' as const,
        metadata: req.metadata ?? {},
        envVars,
        // Fresh tokens at the claim: nothing issued before it (the pool's record has none).
        accessToken: req.secure ? newAccessToken() : null,
        trafficToken: req.allowPublicTraffic === false ? newAccessToken() : null,
        egress,
        autoPause: req.autoPause,
        startedAt: new Date(now).toISOString(),
        endAt: new Date(now + timeoutS * 1000).toISOString(),
      };
      o.store.updateSandbox(id, patch);
      const claimed = { ...rec, ...patch };
      sampler.track(id, claimed.cpuCount);
      arm(claimed);
      lifecycle(claimed, 'created', `sandbox created from template ${claimed.templateId} (warm pool)`, {
        templateId: claimed.templateId,
        network: claimed.networkMode,
        endAt: claimed.endAt,
      });
      log.info('sandbox created from the pool', { sandboxId: id, templateId: claimed.templateId });
      return claimed;
    });

  const pool: WarmPool = createWarmPool({
    config: o.pool,
    launch: launchPooled,
    discard: (id) => killNow(id),
    userCreatesInFlight: () => userCreates > 0,
    memAvailableMiB: o.memAvailableMiB ?? memAvailableFromProc,
    logger: log,
  });

  const manager = Object.assign(events, {
    async create(req: CreateSandboxRequest): Promise<SandboxRecord> {
      if (closed) throw new SoulBoxError('RUNTIME_UNAVAILABLE', 'the server is shutting down');
      const L = o.limits;
      checkRange('timeout', req.timeoutS, 0, L.maxTimeoutS);
      checkRange('cpuCount', req.cpuCount, 1, L.maxCpuCount);
      checkRange('memoryMB', req.memoryMiB, 64, L.maxMemoryMiB);
      checkRange('diskSizeMB', req.diskMiB, 64, L.maxDiskMiB);
      const egress =
        req.networkMode === 'bridge' && hasEgressRules(req.egress)
          ? validateEgressPolicy(req.egress, o.egressAllow)
          : null;
      const t0 = performance.now();
      const template = await o.templates.ensure(req.templateId);
      const cpuCount = req.cpuCount ?? L.defaultCpuCount;
      const memoryMiB = req.memoryMiB ?? L.defaultMemoryMiB;
      const diskMiB = req.diskMiB ?? L.defaultDiskMiB;
      const qos = req.qos ?? 'burstable';

      // Warm path: pooled sandboxes have the default resources and class.
      if (
        cpuCount === L.defaultCpuCount &&
        memoryMiB === L.defaultMemoryMiB &&
        diskMiB === L.defaultDiskMiB &&
        qos === 'burstable'
      ) {
        const pooledId = pool.take({ templateId: req.templateId, networkMode: req.networkMode });
        if (pooledId) {
          try {
            const rec = await claim(pooledId, req, egress);
            o.onCreate?.('warm', (performance.now() - t0) / 1000);
            return rec;
          } catch (err) {
            log.warn('a pooled sandbox could not be claimed; starting one cold', {
              sandboxId: pooledId,
              err,
            });
            void killNow(pooledId);
          }
        }
      }

      const now = Date.now();
      const timeoutS = req.timeoutS ?? L.defaultTimeoutS;
      const rec: SandboxRecord = {
        id: newSandboxId(),
        templateId: req.templateId,
        tenantId: req.tenantId,
        state: 'starting',
        cpuCount,
        memoryMiB,
        diskMiB,
        metadata: req.metadata ?? {},
        envVars: req.envVars ?? {},
        accessToken: req.secure ? newAccessToken() : null,
        trafficToken: req.allowPublicTraffic === false ? newAccessToken() : null,
        networkMode: req.networkMode,
        netIndex: null,
        diskProjectId: null,
        uidBase: null,
        egress,
        autoPause: req.autoPause,
        qos,
        startedAt: new Date(now).toISOString(),
        endAt: new Date(now + timeoutS * 1000).toISOString(),
        killedAt: null,
      };
      await admit(rec);
      userCreates++;
      try {
        await launch(rec, template);
      } finally {
        userCreates--;
      }
      return lock.run(rec.id, async () => {
        // The clock starts when the sandbox is usable.
        const started = Date.now();
        rec.state = 'running';
        rec.startedAt = new Date(started).toISOString();
        rec.endAt = new Date(started + timeoutS * 1000).toISOString();
        o.store.updateSandbox(rec.id, { state: 'running', startedAt: rec.startedAt, endAt: rec.endAt });
        sampler.track(rec.id, rec.cpuCount);
        arm(rec);
        o.onCreate?.('cold', (performance.now() - t0) / 1000);
        lifecycle(rec, 'created', `sandbox created from template ${rec.templateId}`, {
          templateId: rec.templateId,
          network: rec.networkMode,
          endAt: rec.endAt,
        });
        log.info('sandbox created', {
          sandboxId: rec.id,
          templateId: rec.templateId,
          network: rec.networkMode,
        });
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
        lifecycle(rec, 'timeout-set', `timeout set: the sandbox ends at ${rec.endAt}`, { endAt: rec.endAt });
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
          lifecycle(rec, 'resumed', 'sandbox resumed');
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
      return execThroughEnvd(o.runtime.envdEndpoint(id, 'api'), command, opts);
    },
    metrics(id: string, startUnix?: number, endUnix?: number, tenantId?: string) {
      const rec = get(id, tenantId);
      if (rec.state === 'running' && sampler.query(id).length === 0) sampler.sampleNow(id);
      return sampler.query(id, startUnix, endUnix);
    },
    async reconcile() {
      const adopted = await reconcileSandboxes({
        store: o.store,
        runtime: o.runtime,
        logger: log,
        holdUidRange: (uidBase) => unreleased.add(uidBase),
      });
      for (const rec of adopted) {
        // Adopted sandboxes hold what they held before, even past today's overcommit.
        try {
          o.admission.reserve(rec.id, { cpuCount: rec.cpuCount, memoryMiB: rec.memoryMiB, qos: rec.qos });
        } catch {
          log.warn('an adopted sandbox exceeds the node capacity', { sandboxId: rec.id });
        }
        if (rec.state === 'pooled') {
          pool.adopt({ templateId: rec.templateId, networkMode: rec.networkMode }, rec.id);
          continue;
        }
        sampler.track(rec.id, rec.cpuCount);
        arm(rec);
        lifecycle(rec, 'adopted', 'sandbox adopted after a server restart');
      }
      pool.start();
    },
    async close(opts?: { killAll?: boolean }) {
      closed = true;
      pool.close();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      // A launch in flight would otherwise leave a sandbox behind that nobody kills.
      await Promise.allSettled([...launching]);
      if (opts?.killAll) {
        await Promise.all(o.store.listSandboxes({ states: LIVE }).map((r) => killNow(r.id)));
      }
      sampler.close();
    },
    pool,
  });
  return manager;
}
