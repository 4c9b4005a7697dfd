import { statSync } from 'node:fs';
import { EnvdError, errnoCode } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';
import { resolveUserPath } from '../paths/resolve-path.js';
import type { SandboxState } from '../state/sandbox-state.js';
import type { SandboxUser } from '../users/user-db.js';
import { waitAtMost } from '../util/wait-at-most.js';
import type { ChildHandle, ChildListeners, ChildSpec } from './child-handle.js';
import { describeExit } from './exit-status.js';
import { ManagedProcess, type ProcessCommand } from './managed-process.js';
import { spawnPipeChild } from './pipe-child.js';
import { buildProcessEnv } from './process-env.js';
import { spawnPtyChild } from './pty-child.js';

/** A validated Start request. */
export interface StartProcessRequest {
  readonly command: ProcessCommand;
  readonly tag?: string | undefined;
  /** Open a stdin pipe (ignored for PTYs, which always take input). */
  readonly stdin: boolean;
  readonly pty?: { readonly cols: number; readonly rows: number } | undefined;
  /** Kill the process after this long (the request's Connect-Timeout-Ms); 0/absent = never. */
  readonly timeoutMs?: number | undefined;
}

export type ProcessSelector = { readonly pid: number } | { readonly tag: string };

export interface ProcessManager {
  start(request: StartProcessRequest, user: SandboxUser): Promise<ManagedProcess>;
  /** A running process. @throws EnvdError NOT_FOUND */
  get(selector: ProcessSelector): ManagedProcess;
  /** A running or just-finished process (so a late Connect still gets `end`). @throws EnvdError NOT_FOUND */
  getForConnect(selector: ProcessSelector): ManagedProcess;
  list(): ManagedProcess[];
  /** True for pids whose exit status libuv or node-pty will collect. */
  ownsPid(pid: number): boolean;
  /** SIGTERM everything, SIGKILL what is left after `graceMs`, wait for the ends. */
  shutdown(graceMs: number): Promise<void>;
}

export interface ProcessManagerOptions {
  readonly state: SandboxState;
  /** Path of the `envd-exec` helper. */
  readonly helperPath: string;
  readonly logger: Logger;
  /**
   * How long a finished process stays visible to Connect.
   * @default 30000
   */
  readonly finishedRetentionMs?: number;
}

const DEFAULT_PTY_COLS = 80;
const DEFAULT_PTY_ROWS = 24;

function validateEnvs(envs: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(envs)) {
    if (name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new EnvdError('INVALID_ARGUMENT', `invalid environment variable '${name}'`);
    }
  }
}

function checkCwd(cwd: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
      throw new EnvdError('INVALID_ARGUMENT', `cwd '${cwd}' does not exist`);
    }
    throw new EnvdError('INTERNAL', `error checking cwd '${cwd}': ${String(error)}`, { cause: error });
  }
  if (!isDir) throw new EnvdError('INVALID_ARGUMENT', `cwd '${cwd}' is not a directory`);
}

function describeSelector(selector: ProcessSelector): string {
  return 'pid' in selector
    ? `process with pid ${selector.pid} not found`
    : `process with tag ${selector.tag} not found`;
}

export function createProcessManager(options: ProcessManagerOptions): ProcessManager {
  const { state, helperPath, logger } = options;
  const retentionMs = options.finishedRetentionMs ?? 30_000;
  const running = new Map<number, ManagedProcess>();
  const finished = new Map<number, { process: ManagedProcess; timer: NodeJS.Timeout }>();
  const owned = new Set<number>();

  const find = (selector: ProcessSelector, pool: Iterable<ManagedProcess>): ManagedProcess | undefined => {
    for (const process of pool) {
      if ('pid' in selector ? process.pid === selector.pid : process.tag === selector.tag) return process;
    }
    return undefined;
  };

  const retire = (process: ManagedProcess, pid: number): void => {
    running.delete(pid);
    owned.delete(pid);
    const previous = finished.get(pid);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => finished.delete(pid), retentionMs);
    timer.unref();
    finished.set(pid, { process, timer });
  };

  return {
    async start(request, user) {
      const { command } = request;
      if (command.cmd === '') throw new EnvdError('INVALID_ARGUMENT', 'cmd must not be empty');
      validateEnvs(command.envs);
      const cwd = resolveUserPath(command.cwd ?? '', user, state.defaultWorkdir);
      checkCwd(cwd);
      const spec: ChildSpec = {
        cmd: command.cmd,
        args: command.args,
        env: buildProcessEnv({
          pathEnv: state.pathEnv,
          user,
          sandboxEnv: state.envVars(),
          requestEnv: command.envs,
        }),
        cwd,
        user,
        oomScoreAdj: state.childOomScoreAdj,
      };

      const process = new ManagedProcess(command, request.tag);
      let spawnedPid = 0;
      const listeners: ChildListeners = {
        onSpawn(pid) {
          spawnedPid = pid;
          owned.add(pid);
        },
        onOutput: (stream, chunk) => process.deliverOutput(stream, chunk),
        onExit(exitCode, signal) {
          const exit = describeExit(exitCode, signal);
          retire(process, spawnedPid);
          process.deliverExit(exit);
          logger.info('process.end', { pid: spawnedPid, status: exit.status, exitCode: exit.exitCode });
        },
      };

      let child: ChildHandle;
      try {
        child = request.pty
          ? spawnPtyChild({
              helperPath,
              spec,
              cols: request.pty.cols || DEFAULT_PTY_COLS,
              rows: request.pty.rows || DEFAULT_PTY_ROWS,
              listeners,
            })
          : await spawnPipeChild({ helperPath, spec, stdin: request.stdin, listeners });
      } catch (error) {
        if (spawnedPid) owned.delete(spawnedPid);
        throw error;
      }
      process.attach(child);
      running.set(child.pid, process);
      if (request.timeoutMs && request.timeoutMs > 0) {
        process.setDeadline(request.timeoutMs, () =>
          logger.info('process.timeout', { pid: child.pid, timeoutMs: request.timeoutMs }),
        );
      }
      logger.info('process.start', {
        pid: child.pid,
        cmd: command.cmd,
        args: command.args,
        user: user.name,
        cwd,
        pty: Boolean(request.pty),
        tag: request.tag,
      });
      return process;
    },

    get(selector) {
      const process = find(selector, running.values());
      if (!process) throw new EnvdError('NOT_FOUND', describeSelector(selector));
      return process;
    },

    getForConnect(selector) {
      const process =
        find(selector, running.values()) ??
        find(
          selector,
          [...finished.values()].map((f) => f.process),
        );
      if (!process) throw new EnvdError('NOT_FOUND', describeSelector(selector));
      return process;
    },

    list: () => [...running.values()],

    ownsPid: (pid) => owned.has(pid),

    async shutdown(graceMs) {
      const processes = [...running.values()];
      for (const p of processes) p.signal('SIGTERM');
      const ends = Promise.all(processes.map((p) => p.waitForEnd()));
      await waitAtMost(ends, graceMs);
      for (const p of processes) p.signal('SIGKILL');
      await waitAtMost(ends, 1000);
      for (const { timer } of finished.values()) clearTimeout(timer);
      finished.clear();
    },
  };
}
