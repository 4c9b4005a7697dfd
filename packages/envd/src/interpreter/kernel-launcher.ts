import { statSync } from 'node:fs';
import { EnvdError } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';
import { buildProcessEnv } from '../process/process-env.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { resolveUser, type UserDb } from '../users/user-db.js';
import { writeConnectionFile } from './jupyter/connection-file.js';
import { startJupyterKernel } from './jupyter/jupyter-kernel.js';
import { JUPYTER_LANGUAGES } from './jupyter/jupyter-languages.js';
import type { Kernel } from './kernel.js';
import { spawnKernelProcess } from './kernel-process.js';
import { LANGUAGES, type Language } from './languages.js';
import { TYPESCRIPT_FLAG } from './node-kernel/kernel-protocol.js';
import { startNodeKernel } from './node-kernel/node-kernel.js';

/** How to start a Node kernel: the node command line up to (and including) the script. */
export interface NodeKernelCommand {
  readonly cmd: string;
  readonly args: readonly string[];
}

export interface KernelLauncherOptions {
  readonly state: SandboxState;
  readonly users: UserDb;
  /** `envd-exec`. */
  readonly helperPath: string;
  /** envd's bundle directory (python-startup.py lives there). */
  readonly bundleDir: string;
  readonly nodeKernel: NodeKernelCommand;
  readonly logger: Logger;
  /** Pids the zombie reaper must leave alone (libuv waits for them). */
  readonly ownedPids: Set<number>;
}

/** Starts a kernel for a context; raw fd 1/2 output of the process goes to `onRawOutput`. */
export type LaunchKernel = (
  language: Language,
  cwd: string,
  onRawOutput: (stream: 'stdout' | 'stderr', text: string) => void,
) => Promise<Kernel>;

/** Where `npm i -g` puts packages in E2B-like templates (/usr/local is user-writable there). */
const GLOBAL_NODE_MODULES = '/usr/local/lib/node_modules';

function checkCwd(cwd: string): void {
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
    throw new EnvdError('INVALID_ARGUMENT', `cwd '${cwd}' does not exist or is not a directory`);
  }
}

/**
 * Kernels run as the sandbox's default user, in the context's cwd, with the sandbox env
 * vars of the moment (later changes are pushed by the contexts layer before each cell).
 */
export function createKernelLauncher(options: KernelLauncherOptions): LaunchKernel {
  const { state, logger, ownedPids } = options;
  return async (language, cwd, onRawOutput) => {
    checkCwd(cwd);
    const user = resolveUser(options.users, undefined, state.defaultUser);
    const base = { pathEnv: state.pathEnv, user, sandboxEnv: state.envVars() };
    const spawnOptions = {
      helperPath: options.helperPath,
      onSpawn: (pid: number) => ownedPids.add(pid),
      onExit: (pid: number) => ownedPids.delete(pid),
      onRawOutput,
    };
    const t0 = performance.now();
    let kernel: Kernel;
    if (LANGUAGES[language] === 'node') {
      const sandboxEnv = state.envVars();
      const proc = await spawnKernelProcess({
        ...spawnOptions,
        extraPipes: 1,
        spec: {
          cmd: options.nodeKernel.cmd,
          args: [...options.nodeKernel.args, ...(language === 'typescript' ? [TYPESCRIPT_FLAG] : [])],
          env: buildProcessEnv({
            ...base,
            requestEnv: sandboxEnv.NODE_PATH ? {} : { NODE_PATH: GLOBAL_NODE_MODULES },
          }),
          cwd,
          user,
          oomScoreAdj: state.childOomScoreAdj,
        },
      });
      kernel = await startNodeKernel({ process: proc });
    } else {
      const spec = JUPYTER_LANGUAGES[language];
      if (!spec) throw new EnvdError('INVALID_ARGUMENT', `no Jupyter kernel for ${language}`);
      const connection = await writeConnectionFile(user);
      const [cmd = '', ...args] = spec.argv(connection.path, options.bundleDir);
      let proc: Awaited<ReturnType<typeof spawnKernelProcess>>;
      try {
        proc = await spawnKernelProcess({
          ...spawnOptions,
          spec: {
            cmd,
            args,
            env: buildProcessEnv({ ...base, requestEnv: spec.env }),
            cwd,
            user,
            oomScoreAdj: state.childOomScoreAdj,
          },
        });
      } catch (error) {
        connection.remove();
        throw error;
      }
      kernel = await startJupyterKernel({ process: proc, connection, envCode: spec.envCode, logger });
    }
    logger.info('interpreter.kernel_started', {
      language,
      pid: kernel.pid,
      cwd,
      startMs: Math.round(performance.now() - t0),
    });
    return kernel;
  };
}
