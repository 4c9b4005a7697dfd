/**
 * Lifecycle states a sandbox record can be in. 'pooled': started ahead of demand by the warm
 * pool, owned by nobody and invisible to users until a create claims it.
 */
export type SandboxState = 'starting' | 'pooled' | 'running' | 'paused' | 'killed';

/** QoS class: 'guaranteed' gets reserved memory and more CPU weight, and is never overcommitted. */
export type QosClass = 'guaranteed' | 'burstable';

/** Network mode: 'bridge' = egress through the SoulBox bridge with NAT; 'none' = loopback only. */
export type NetworkMode = 'bridge' | 'none';

/** What the store keeps about one sandbox. */
export interface SandboxRecord {
  id: string;
  templateId: string;
  tenantId: string;
  state: SandboxState;
  cpuCount: number;
  memoryMiB: number;
  diskMiB: number;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  /** envd access token; null for an unsecured (v1, `secure: false`) sandbox. */
  accessToken: string | null;
  /**
   * Token a request to a non-envd port must carry (`e2b-traffic-access-token`) when the
   * sandbox was created with `network.allowPublicTraffic: false`; null = public ports.
   */
  trafficToken: string | null;
  networkMode: NetworkMode;
  /** Index into the bridge subnet (also names the host veth); null with `none`. */
  netIndex: number | null;
  /** XFS project id of the writable layer; null when disk limits are off. */
  diskProjectId: number | null;
  /**
   * First host uid/gid of the sandbox's own 65536-id range (sandbox id 0 maps to it); null
   * only for sandboxes started before ranges were per sandbox.
   */
  uidBase: number | null;
  /** Outbound rules (bridged sandboxes); null = unrestricted. */
  egress: { allowOut: string[]; denyOut: string[] } | null;
  /** Pause instead of kill when the timeout passes. */
  autoPause: boolean;
  qos: QosClass;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601: when the sandbox times out. */
  endAt: string;
  killedAt: string | null;
}
