import type { Permission } from './permissions.js';

/** What a data-plane request needs, and how it is audited. */
export interface DataPlaneRule {
  /** null = anyone who may reach the sandbox at all (envd's own token check still applies). */
  permission: Permission | null;
  /** Audit action for requests that change the sandbox; undefined = not audited. */
  action?: string;
}

/** envd's port, as E2B numbers it. */
const ENVD_PORT = 49983;

const PROCESS: Record<string, DataPlaneRule> = {
  Start: { permission: 'sandbox:execute', action: 'sandbox.exec' },
  SendSignal: { permission: 'sandbox:execute', action: 'sandbox.signal' },
  List: { permission: 'sandbox:read' },
};

const FILESYSTEM: Record<string, DataPlaneRule> = {
  Stat: { permission: 'file:read' },
  ListDir: { permission: 'file:read' },
  WatchDir: { permission: 'file:read' },
  CreateWatcher: { permission: 'file:read' },
  GetWatcherEvents: { permission: 'file:read' },
  RemoveWatcher: { permission: 'file:read' },
  MakeDir: { permission: 'file:create', action: 'file.mkdir' },
  Move: { permission: 'file:update', action: 'file.move' },
  Remove: { permission: 'file:delete', action: 'file.remove' },
};

/**
 * The rule of a data-plane request: envd's paths by service and method, any other port as
 * `sandbox:connect`. Unknown envd paths need `sandbox:execute` (the most a sandbox allows).
 */
export function dataPlaneRule(port: number, method: string, pathname: string): DataPlaneRule {
  if (port !== ENVD_PORT) return { permission: 'sandbox:connect' };
  if (pathname === '/health') return { permission: null };
  if (pathname === '/envs') return { permission: 'sandbox:read' };
  if (pathname === '/files') {
    return method === 'POST'
      ? { permission: 'file:create', action: 'file.write' }
      : { permission: 'file:read' };
  }
  const m = /^\/(process\.Process|filesystem\.Filesystem)\/([A-Za-z]+)$/.exec(pathname);
  if (m) {
    const table = m[1] === 'process.Process' ? PROCESS : FILESYSTEM;
    const rule = table[m[2]!];
    if (rule) return rule;
    if (m[1] === 'process.Process') return { permission: 'sandbox:execute' };
  }
  return { permission: 'sandbox:execute' };
}
