import type { PermissionSet } from '../authz/permissions.js';
import type { SandboxSample } from '../sandbox/metrics-sampler.js';
import type { SandboxRecord } from '../store/index.js';
import { templateNameOfDir } from '../template/template-catalog.js';

/**
 * envd version SoulBox reports: the lowest that opens every feature gate of SDK 2.51
 * (spec §3.6). Raised on purpose when a newer SDK adds a gate.
 */
export const ENVD_VERSION = '0.6.4';

/** Which of a sandbox's tokens an answer may carry. */
export interface TokenGrant {
  /** `envdAccessToken`: runs commands, reads and writes files. */
  envd: boolean;
  /** `trafficAccessToken`: reaches the sandbox's private ports. */
  traffic: boolean;
}

/** The creating request gets both tokens, whatever else its credential may do. */
export const CREATOR_GRANT: TokenGrant = { envd: true, traffic: true };

/**
 * The tokens a caller may see: the envd token is command execution, so it goes only to
 * `sandbox:execute`; the traffic token opens ports, which is `sandbox:connect` (or execute).
 * A viewer gets neither, in list, get and connect alike.
 */
export function tokenGrant(permissions: PermissionSet): TokenGrant {
  const envd = permissions.has('sandbox:execute');
  return { envd, traffic: envd || permissions.has('sandbox:connect') };
}

/** E2B's `Sandbox` (create / connect / resume answer). */
export function toSandboxWire(r: SandboxRecord, grant: TokenGrant) {
  return {
    sandboxID: r.id,
    // Records hold the template's directory; tenants know their templates by name.
    templateID: templateNameOfDir(r.templateId),
    alias: templateNameOfDir(r.templateId),
    clientID: 'soulbox',
    envdVersion: ENVD_VERSION,
    ...(grant.envd && r.accessToken ? { envdAccessToken: r.accessToken } : {}),
    trafficAccessToken: grant.traffic && r.trafficToken ? r.trafficToken : null,
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

/** E2B's `SandboxDetail` (SDK 2.0–2.5 connect reads `envdAccessToken` from here). */
export function toSandboxDetailWire(r: SandboxRecord, grant: TokenGrant) {
  return {
    ...toListedSandboxWire(r),
    ...(grant.envd && r.accessToken ? { envdAccessToken: r.accessToken } : {}),
    ...(grant.traffic && r.trafficToken ? { trafficAccessToken: r.trafficToken } : {}),
    domain: null,
    allowInternetAccess: r.networkMode === 'bridge',
    network: {
      ...(r.egress ? { allowOut: r.egress.allowOut, denyOut: r.egress.denyOut } : {}),
      allowPublicTraffic: r.trafficToken === null,
    },
    lifecycle: { autoResume: false, onTimeout: r.autoPause ? 'pause' : 'kill' },
  };
}

/** E2B's `SandboxMetric`. */
export function toMetricWire(s: SandboxSample) {
  return { timestamp: new Date(s.timestampUnix * 1000).toISOString(), ...s };
}
