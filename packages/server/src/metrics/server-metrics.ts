import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AdmissionLevels } from '../sandbox/admission.js';
import type { PoolLevel } from '../sandbox/pool/warm-pool.js';

/** Live figures the metrics read at scrape time. */
export interface MetricsSources {
  sandboxesByState(): Record<string, number>;
  poolLevels(): PoolLevel[];
  poolCounters(): { hits: number; misses: number };
  admission(): AdmissionLevels;
}

/** The server's Prometheus metrics (`GET /metrics`). */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Time to create a sandbox, by path: 'warm' (from the pool) or 'cold'. */
  observeCreate(path: 'warm' | 'cold', seconds: number): void;
  /** One API request: method, route pattern (never the raw path: ids would explode cardinality), status. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** One error answered, by stable code. */
  countError(code: string): void;
}

/** Creates the registry with SoulBox's metrics and Node's default process metrics. */
export function createServerMetrics(src: MetricsSources): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'soulbox_process_' });
  const create = new Histogram({
    name: 'soulbox_sandbox_create_seconds',
    help: 'Sandbox create latency, from request to envd ready',
    labelNames: ['path'] as const,
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2, 5],
    registers: [registry],
  });
  const request = new Histogram({
    name: 'soulbox_api_request_seconds',
    help: 'REST API request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'soulbox_api_errors_total',
    help: 'Errors answered, by stable error code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'soulbox_sandboxes',
    help: 'Sandboxes by state (pooled = ready in the warm pool)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [state, n] of Object.entries(src.sandboxesByState())) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'soulbox_pool_sandboxes',
    help: 'Warm pool level by template and phase (ready, starting, target)',
    labelNames: ['template', 'network', 'phase'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const l of src.poolLevels()) {
        const base = { template: l.templateId, network: l.networkMode };
        this.set({ ...base, phase: 'ready' }, l.ready);
        this.set({ ...base, phase: 'starting' }, l.starting);
        this.set({ ...base, phase: 'target' }, l.target);
      }
    },
  });
  new Gauge({
    name: 'soulbox_pool_requests',
    help: 'Creates served from the pool (hit) or started cold (miss), since start',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const c = src.poolCounters();
      this.set({ result: 'hit' }, c.hits);
      this.set({ result: 'miss' }, c.misses);
    },
  });
  new Gauge({
    name: 'soulbox_node_allocated',
    help: 'Allocated and allocatable node resources (vcpu, memory_mib)',
    labelNames: ['resource', 'kind'] as const,
    registers: [registry],
    collect() {
      const a = src.admission();
      this.set({ resource: 'vcpu', kind: 'allocated' }, a.allocatedCpu);
      this.set({ resource: 'vcpu', kind: 'capacity' }, a.capacityCpu);
      this.set({ resource: 'vcpu', kind: 'limit' }, a.limitCpu);
      this.set({ resource: 'memory_mib', kind: 'allocated' }, a.allocatedMemoryMiB);
      this.set({ resource: 'memory_mib', kind: 'capacity' }, a.capacityMemoryMiB);
      this.set({ resource: 'memory_mib', kind: 'limit' }, a.limitMemoryMiB);
    },
  });
  return {
    registry,
    observeCreate: (path, s) => create.observe({ path }, s),
    observeRequest: (method, route, status, s) =>
      request.observe({ method, route, status: String(status) }, s),
    countError: (code) => errors.inc({ code }),
  };
}
