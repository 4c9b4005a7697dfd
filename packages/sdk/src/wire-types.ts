/** E2B's `Sandbox` (create / connect answer). */
export interface SandboxWire {
  sandboxID: string;
  templateID: string;
  alias?: string;
  clientID: string;
  envdVersion: string;
  /** Only for callers allowed `sandbox:execute` (and the creating request). */
  envdAccessToken?: string;
  /** The sandbox's port token when it was created with private ports; else null. */
  trafficAccessToken?: string | null;
  domain?: string | null;
}

/** E2B's `ListedSandbox` / `SandboxDetail`: what `list` and `info` return. */
export interface SandboxInfo {
  sandboxID: string;
  templateID: string;
  alias?: string;
  startedAt: string;
  endAt: string;
  state: 'running' | 'paused';
  cpuCount: number;
  memoryMB: number;
  diskSizeMB: number;
  envdVersion: string;
  metadata?: Record<string, string>;
  allowInternetAccess?: boolean;
}

/** E2B's `SandboxLogEntry` (+ SoulBox's `seq`). */
export interface LogEntry {
  timestamp: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** Always `source`: `lifecycle`, `envd` or `process`; often `event`, `pid`, `stream`. */
  fields: Record<string, string>;
  /** Position in the sandbox's log, to resume a follow. */
  seq: number;
}

/** A template as `GET /templates` lists it. */
export interface TemplateInfo {
  templateID: string;
  buildID: string;
  names: string[];
  kind: 'recipe' | 'dockerfile';
  buildStatus: 'ready' | 'building' | 'waiting' | 'error';
  buildCount: number;
  sizeBytes: number;
  createdAt: string | null;
  updatedAt: string | null;
  config?: { envVars: Record<string, string>; user: string; workdir: string };
}

/** E2B's `TemplateStep`. */
export interface TemplateStep {
  type: 'RUN' | 'COPY' | 'ENV' | 'WORKDIR' | 'USER';
  args: string[];
  filesHash?: string;
}

/** E2B's build log line. */
export interface BuildLogEntry {
  timestamp: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  step?: string;
}

/** E2B's `TemplateBuildInfo`. */
export interface BuildStatusWire {
  templateID: string;
  buildID: string;
  status: 'building' | 'waiting' | 'ready' | 'error';
  logEntries: BuildLogEntry[];
  reason?: { message: string; step?: string };
}
