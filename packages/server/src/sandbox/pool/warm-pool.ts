import type { NetworkMode } from '../../store/index.js';
import type { Logger } from '../../util/logger.js';

/** Sandboxes a pool holds are interchangeable within one key (default resources only). */
export interface PoolKey {
  templateId: string;
  networkMode: NetworkMode;
}

/** Pool settings (config `pool`). */
export interface WarmPoolConfig {
  enabled: boolean;
  /** Per template: how many ready sandboxes to keep, at least and at most. */
  templates: Record<string, { min: number; max: number }>;
  /** Pooled sandboxes started at once. */
  refillConcurrency: number;
  /** Below this much available host memory the pool empties and stops refilling. */
  minFreeMemoryMiB: number;
  /** Seconds of recent demand the adaptive target covers. */
  demandWindowS: number;
}

/** Refills wait this long after the last create, so that a burst is served before the pool refills. */
const QUIET_MS = 150;

/** Options for {@link createWarmPool}. */
export interface WarmPoolOptions {
  config: WarmPoolConfig;
  /** Starts one pooled sandbox; resolves with its id. */
  launch(key: PoolKey): Promise<string>;
  /** Kills a pooled sandbox that is no longer wanted. */
  discard(id: string): Promise<void>;
  /** True while user creates are starting sandboxes cold: refills wait so they never compete. */
  userCreatesInFlight(): boolean;
  memAvailableMiB(): number;
  logger: Logger;
  /** Refill check period. @default 1000 */
  tickMs?: number;
}

/** One pool's level, for metrics. */
export interface PoolLevel {
  key: string;
  templateId: string;
  networkMode: NetworkMode;
  ready: number;
  starting: number;
  target: number;
}

/** The warm pool: pre-started sandboxes handed out by `take`. */
export interface WarmPool {
  /** Takes a ready sandbox for the key (records the demand either way). */
  take(key: PoolKey): string | undefined;
  /** Puts a pooled sandbox found at start-up back into its pool. */
  adopt(key: PoolKey, id: string): void;
  /** Kills one ready sandbox, if any, to make room on the node. */
  evictOne(): Promise<boolean>;
  /** Forgets a sandbox that died or was claimed elsewhere. */
  forget(id: string): void;
  levels(): PoolLevel[];
  readonly hits: number;
  readonly misses: number;
  /** Starts refilling (after start-up has adopted the pooled sandboxes that survived a restart). */
  start(): void;
  /** Stops refilling; the ready sandboxes stay (the caller decides whether to kill them). */
  close(): void;
  /** Ids of ready sandboxes. */
  readyIds(): string[];
}

const keyOf = (k: PoolKey) => `${k.templateId}|${k.networkMode}`;

interface Pool {
  key: PoolKey;
  ready: string[];
  starting: number;
  demand: number[];
}

/**
 * Creates the pool. Each template in the config gets a bridged pool whose target is its
 * `min`, raised towards `max` by the create rate over the last `demandWindowS` seconds
 * (enough sandboxes for about a tenth of that window's demand), and dropped to zero while
 * the host is short of memory.
 */
export function createWarmPool(o: WarmPoolOptions): WarmPool {
  const pools = new Map<string, Pool>();
  const owner = new Map<string, string>();
  let hits = 0;
  let misses = 0;
  let starting = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastTake = 0;
  const poolFor = (k: PoolKey) => {
    const key = keyOf(k);
    let p = pools.get(key);
    if (!p) {
      p = { key: k, ready: [], starting: 0, demand: [] };
      pools.set(key, p);
    }
    return p;
  };
  if (o.config.enabled) {
    for (const templateId of Object.keys(o.config.templates)) poolFor({ templateId, networkMode: 'bridge' });
  }

  const targetOf = (p: Pool, lowMemory: boolean): number => {
    const cfg = o.config.templates[p.key.templateId];
    if (!o.config.enabled || !cfg || lowMemory || p.key.networkMode !== 'bridge') return 0;
    const windowMs = o.config.demandWindowS * 1000;
    const now = Date.now();
    while (p.demand.length && (p.demand[0] ?? 0) < now - windowMs) p.demand.shift();
    const adaptive = Math.ceil(p.demand.length / 10);
    return Math.max(cfg.min, Math.min(cfg.max, adaptive));
  };

  const tick = () => {
    if (closed || !timer) return;
    const quiet = Date.now() - lastTake >= QUIET_MS;
    const lowMemory = o.memAvailableMiB() < o.config.minFreeMemoryMiB;
    for (const p of pools.values()) {
      const target = targetOf(p, lowMemory);
      // Shrink: over target (memory pressure or a smaller config) — discard the oldest first.
      while (p.ready.length > target) {
        const id = p.ready.shift()!;
        owner.delete(id);
        void o.discard(id).catch((err) => o.logger.warn('pool discard failed', { sandboxId: id, err }));
      }
      while (
        p.ready.length + p.starting < target &&
        starting < o.config.refillConcurrency &&
        quiet &&
        !o.userCreatesInFlight()
      ) {
        p.starting++;
        starting++;
        o.launch(p.key).then(
          (id) => {
            p.starting--;
            starting--;
            if (closed) return;
            p.ready.push(id);
            owner.set(id, p.key.templateId);
            setImmediate(tick);
          },
          (err: unknown) => {
            p.starting--;
            starting--;
            o.logger.warn('pool refill failed', { template: p.key.templateId, err });
          },
        );
      }
    }
  };
  return {
    start() {
      if (timer || closed) return;
      timer = setInterval(tick, o.tickMs ?? 1000);
      timer.unref();
      setImmediate(tick);
    },
    take(k) {
      const p = pools.get(keyOf(k));
      lastTake = Date.now();
      if (p) p.demand.push(lastTake);
      const id = p?.ready.shift();
      if (id) {
        hits++;
        owner.delete(id);
      } else {
        misses++;
      }
      setTimeout(tick, QUIET_MS).unref();
      return id;
    },
    adopt(k, id) {
      poolFor(k).ready.push(id);
      owner.set(id, k.templateId);
    },
    async evictOne() {
      for (const p of pools.values()) {
        const id = p.ready.shift();
        if (id) {
          owner.delete(id);
          await o.discard(id);
          return true;
        }
      }
      return false;
    },
    forget(id) {
      if (!owner.has(id)) return;
      owner.delete(id);
      for (const p of pools.values()) p.ready = p.ready.filter((x) => x !== id);
    },
    levels() {
      const lowMemory = o.memAvailableMiB() < o.config.minFreeMemoryMiB;
      return [...pools.values()].map((p) => ({
        key: p.key.templateId,
        templateId: p.key.templateId,
        networkMode: p.key.networkMode,
        ready: p.ready.length,
        starting: p.starting,
        target: targetOf(p, lowMemory),
      }));
    },
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
    close() {
      closed = true;
      clearInterval(timer);
    },
    readyIds() {
      return [...owner.keys()];
    },
  };
}
