import { EventEmitter } from 'node:events';
import { type ConfigInput, configSchema } from '../config/index.js';
import { createGovernance, type Governance } from '../governance.js';
import type { UsageReading } from '../metering/index.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import { openStore, type SandboxRecord, type SandboxState, type Store } from '../store/index.js';
import { silentLogger } from '../util/logger.js';

/** Governance over an in-memory store and a stand-in sandbox manager (unit tests, no root). */
export interface GovernanceFixture {
  store: Store;
  governance: Governance;
  /** The stand-in manager: emit 'lifecycle' / 'gone' on it; list/kill read the store. */
  sandboxes: SandboxManager;
  /** Cgroup readings the meter sees, per sandbox. */
  usage: Map<string, UsageReading>;
  /** Inserts a running sandbox row (and emits 'created'). */
  addSandbox(id: string, tenantId: string, opts?: Partial<SandboxRecord>): SandboxRecord;
  close(): void;
}

/** Creates the fixture; `config` overrides the defaults (e.g. quotas, auth.jwt). */
export function createGovernanceFixture(config: ConfigInput = {}, storeFile = ':memory:'): GovernanceFixture {
  const store = openStore({ file: storeFile });
  const usage = new Map<string, UsageReading>();
  const events = new EventEmitter();
  const sandboxes = Object.assign(events, {
    list: (q: { tenantId?: string; states?: readonly SandboxState[] }) =>
      store.listSandboxes({ tenantId: q.tenantId, states: q.states ?? ['running', 'paused'] }),
    async kill(id: string) {
      const rec = store.getSandbox(id);
      if (!rec || rec.state === 'killed') return;
      store.updateSandbox(id, { state: 'killed', killedAt: new Date().toISOString() });
      events.emit('gone', id);
      events.emit('lifecycle', {
        sandboxId: id,
        tenantId: rec.tenantId,
        event: 'killed',
        message: 'killed',
        fields: {},
      });
    },
  }) as unknown as SandboxManager;
  const governance = createGovernance({
    config: configSchema.parse({ metering: { sampleIntervalMs: 3_600_000 }, ...config }),
    store,
    sandboxes,
    readUsage: (id) => usage.get(id),
    logger: silentLogger,
  });
  return {
    store,
    governance,
    sandboxes,
    usage,
    addSandbox(id, tenantId, opts = {}) {
      const now = new Date().toISOString();
      const rec: SandboxRecord = {
        id,
        templateId: 'base',
        tenantId,
        state: 'running',
        cpuCount: 1,
        memoryMiB: 256,
        diskMiB: 1024,
        metadata: {},
        envVars: {},
        accessToken: null,
        trafficToken: null,
        networkMode: 'none',
        netIndex: null,
        diskProjectId: null,
        uidBase: null,
        egress: null,
        autoPause: false,
        qos: 'burstable',
        startedAt: now,
        endAt: new Date(Date.now() + 300_000).toISOString(),
        killedAt: null,
        ...opts,
      };
      store.insertSandbox(rec);
      events.emit('lifecycle', { sandboxId: id, tenantId, event: 'created', message: 'created', fields: {} });
      return rec;
    },
    close() {
      governance.close();
      store.close();
    },
  };
}
