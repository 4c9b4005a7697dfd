import type { IncomingMessage } from 'node:http';
import type { FileTail } from '../runtime/envd-log-tail.js';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import type { SandboxLifecycleEvent, SandboxManager } from '../sandbox/sandbox-manager.js';
import { parseEnvdLine } from './envd-line.js';
import { createProcessOutputTap } from './process-output-tap.js';
import type { SandboxLogs } from './sandbox-logs.js';

/** Options for {@link wireSandboxLogs}. */
export interface LogWiringOptions {
  logs: SandboxLogs;
  sandboxes: SandboxManager;
  runtime: SandboxRuntime;
}

/** The data plane's hook: sees envd responses it forwards. */
export type EnvdResponseObserver = (sandboxId: string, rpcPath: string, res: IncomingMessage) => void;

/** What {@link wireSandboxLogs} returns. */
export interface LogWiring {
  /** Pass to the data plane: taps `process.Process/Start` streams for process output. */
  observeEnvd: EnvdResponseObserver;
  close(): void;
}

const START_PATH = '/process.Process/Start';

/**
 * Feeds the sandbox logs from three sources: the manager's lifecycle events, envd's own
 * event log (followed through the runtime), and output of processes started through the data
 * plane (tapped from the Start response stream the data plane forwards anyway).
 */
export function wireSandboxLogs(o: LogWiringOptions): LogWiring {
  const tails = new Map<string, FileTail>();

  const startTail = (id: string) => {
    if (tails.has(id)) return;
    let tail: FileTail;
    try {
      tail = o.runtime.followLog(id, (line) => {
        const e = parseEnvdLine(line);
        if (e) o.logs.append(id, e);
      });
    } catch {
      return;
    }
    tails.set(id, tail);
  };
  const stopTail = (id: string) => {
    tails.get(id)?.stop();
    tails.delete(id);
  };

  const onLifecycle = (ev: SandboxLifecycleEvent) => {
    if (ev.event === 'created' || ev.event === 'adopted') o.logs.open(ev.sandboxId, ev.tenantId);
    // envd's start-up lines are already in its log: follow it after the lifecycle line.
    o.logs.append(ev.sandboxId, {
      level: ev.event === 'start-failed' ? 'error' : 'info',
      message: ev.message,
      fields: { source: 'lifecycle', event: ev.event, ...ev.fields },
    });
    if (ev.event === 'created' || ev.event === 'adopted' || ev.event === 'resumed') startTail(ev.sandboxId);
    if (ev.event === 'killed' || ev.event === 'start-failed') {
      stopTail(ev.sandboxId);
      o.logs.end(ev.sandboxId);
    }
  };
  o.sandboxes.on('lifecycle', onLifecycle);

  return {
    observeEnvd(sandboxId, rpcPath, res) {
      if (rpcPath !== START_PATH || res.statusCode !== 200) return;
      const tap = createProcessOutputTap({
        contentType: String(res.headers['content-type'] ?? ''),
        sink: {
          line: (pid, stream, text) =>
            o.logs.append(sandboxId, {
              level: stream === 'stderr' ? 'warn' : 'info',
              message: text,
              fields: { source: 'process', pid: String(pid), stream },
            }),
          truncated: (pid, limit) =>
            o.logs.append(sandboxId, {
              level: 'warn',
              message: `process ${pid}: output beyond ${Math.round(limit / 1024)} KiB is not logged`,
              fields: { source: 'process', pid: String(pid) },
            }),
        },
      });
      const onData = (chunk: Buffer) => {
        if (!tap.write(chunk)) res.off('data', onData);
      };
      res.on('data', onData);
      res.once('end', () => tap.end());
    },
    close() {
      o.sandboxes.off('lifecycle', onLifecycle);
      for (const id of [...tails.keys()]) stopTail(id);
    },
  };
}
