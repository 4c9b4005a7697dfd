import type { SandboxSample } from '../sandbox/metrics-sampler.js';
import type { SandboxRecord } from '../store/index.js';
import { templateNameOfDir } from '../template/template-catalog.js';

/**
 * envd version SoulBox reports: the lowest that opens every feature gate of SDK 2.51
 * (spec §3.6). Raised on purpose when a newer SDK adds a gate.
 */
export const ENVD_VERSION = '0.6.4';

/** E2B's `Sandbox` (create / connect / resume answer). */
export function toSandboxWire(r: SandboxRecord) {
  return {
    sandboxID: r.id,
    // Records hold the template's directory; tenants know their templates by name.
    templateID: templateNameOfDir(r.templateId),
    alias: templateNameOfDir(r.templateId),
    clientID: 'soulbox',
    envdVersion: ENVD_VERSION,
    ...(r.accessToken ? { envdAccessToken: r.accessToken } : {}),
    trafficAccessToken: null,
    domain: null,
  };
}

/** E2B's `ListedSandbox`. */
export function toListedSandboxWire(r: SandboxRecord) {
  return {
    sandboxID: r.id,
    templateID: templateNameOfDir(r.templateId),
    alias: templateNameOfDir(r.templateId),
    clientID: 'soulbox',
    startedAt: r.startedAt,
    endAt: r.endAt,
    state: r.state === 'paused' ? 'paused' : 'running',
    cpuCount: r.cpuCount,
    memoryMB: r.memoryMiB,
    diskSizeMB: r.diskMiB,
    envdVersion: ENVD_VERSION,
    metadata: r.metadata,
  };
}

/** E2B's `SandboxDetail`. */
export function toSandboxDetailWire(r: SandboxRecord) {
  return {
    ...toListedSandboxWire(r),
    ...(r.accessToken ? { envdAccessToken: r.accessToken } : {}),
    domain: null,
    allowInternetAccess: r.networkMode === 'bridge',
    ...(r.egress ? { network: { allowOut: r.egress.allowOut, denyOut: r.egress.denyOut } } : {}),
    lifecycle: { autoResume: false, onTimeout: r.autoPause ? 'pause' : 'kill' },
  };
}

/** E2B's `SandboxMetric`. */
export function toMetricWire(s: SandboxSample) {
  return { timestamp: new Date(s.timestampUnix * 1000).toISOString(), ...s };
}
