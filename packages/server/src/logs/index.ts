/** Sandbox logs: bounded per-sandbox rings fed by lifecycle events, envd and process output. */
export { parseEnvdLine } from './envd-line.js';
export { createLogRing, type LogEntry, type LogLevel, type LogRing } from './log-ring.js';
export { type EnvdResponseObserver, type LogWiring, wireSandboxLogs } from './log-wiring.js';
export { createProcessOutputTap, type ProcessOutputSink } from './process-output-tap.js';
export {
  createSandboxLogs,
  type LogListener,
  type NewLogEntry,
  type SandboxLogs,
  type SandboxLogsOptions,
} from './sandbox-logs.js';
