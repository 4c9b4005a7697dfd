import { join } from 'node:path';
import type { EnvdConfig } from './config/envd-config.js';
import { createPollingWatchers } from './filesystem/polling-watchers.js';
import { createControlServer } from './http/control-server.js';
import { createHostAuth } from './http/host-auth.js';
import { createLazyPublicServer } from './http/lazy-public-server.js';
import { closeNow, dropConnections, type ListenTarget, listenOn, stopListening } from './http/unix-server.js';
import type { Interpreter } from './interpreter/start-interpreter.js';
import { createJsonLogger, type Logger } from './log/logger.js';
import { type EnvdNative, EXEC_HELPER_FILE, loadNative, nativeDir } from './native/envd-native.js';
import { createProcessManager, type ProcessManager } from './process/process-manager.js';
import { createSandboxState, type SandboxState } from './state/sandbox-state.js';
import { createUserDb, resolveUser, type UserDb } from './users/user-db.js';
import { waitAtMost } from './util/wait-at-most.js';

export interface EnvdOptions {
  readonly config: EnvdConfig;
  /**
   * Where the two servers listen: in a sandbox, the descriptors the host passed
   * (contract.ts); in tests, socket paths.
   */
  readonly listen: { readonly api: ListenTarget; readonly control: ListenTarget };
  /** PATH for spawned processes (envd's own). */
  readonly pathEnv: string;
  /** @default JSON lines on stdout */
  readonly logger?: Logger;
  /** Directory with envd_native.node and envd-exec. @default nativeDir() */
  readonly nativeDir?: string;
  /** @default /etc/passwd and /etc/group */
  readonly users?: UserDb;
  /**
   * How long processes get between SIGTERM and SIGKILL on close().
   * @default 2000
   */
  readonly shutdownGraceMs?: number;
}

/** A running envd: both servers listening. */
export interface Envd {
  readonly state: SandboxState;
  readonly processes: ProcessManager;
  readonly native: EnvdNative;
  /** True for pids libuv or node-pty collect (processes and kernels): the reaper skips them. */
  ownsPid(pid: number): boolean;
  /** Terminates processes, ends streams and tunnels, closes both servers (removes nothing). */
  close(): Promise<void>;
}

/** How long close() lets responses finish before cutting connections. */
const DRAIN_CONNECTIONS_MS = 500;

/** Composition root: wires areas, RPC services and servers, then listens. */
export async function startEnvd(options: EnvdOptions): Promise<Envd> {
  const logger = options.logger ?? createJsonLogger();
  const dir = options.nativeDir ?? nativeDir();
  const native = loadNative(dir);
  const users = options.users ?? createUserDb();
  const state = createSandboxState({ config: options.config, pathEnv: options.pathEnv });
  const entries = { users, native };
  const processes = createProcessManager({ state, helperPath: join(dir, EXEC_HELPER_FILE), logger });
  const watchers = createPollingWatchers(entries);
  const shutdown = new AbortController();

  // The Connect stack loads on the first API request (see lazy-public-server.ts).
  const publicServer = createLazyPublicServer(
    async () => {
      const [{ createPublicHandler }, { createProcessService }, { createFilesystemService }] =
        await Promise.all([
          import('./http/public-handler.js'),
          import('./rpc/process-service.js'),
          import('./rpc/filesystem-service.js'),
        ]);
      return createPublicHandler({
        process: createProcessService({ manager: processes, users, state, logger }),
        filesystem: createFilesystemService({ entries, users, state, watchers, logger }),
        files: {
          state,
          native,
          logger,
          resolveUser: (name) => resolveUser(users, name, state.defaultUser),
        },
        shutdownSignal: shutdown.signal,
      });
    },
    createHostAuth(options.config.hostSecret, 'api', logger),
  );
  const control = createControlServer(
    state,
    createHostAuth(options.config.hostSecret, 'control', logger),
    logger,
  );

  // Listening before envd reports ready, so the SDK's first runCode finds the port open.
  // Loaded only in code-interpreter sandboxes; kernels keep starting in the background.
  let interpreter: Interpreter | undefined;
  if (options.config.codeInterpreter) {
    const { startInterpreter } = await import('./interpreter/start-interpreter.js');
    interpreter = await startInterpreter({
      state,
      users,
      helperPath: join(dir, EXEC_HELPER_FILE),
      bundleDir: dir,
      logger,
    });
  }

  await listenOn(publicServer, options.listen.api, native);
  try {
    await listenOn(control.server, options.listen.control, native);
  } catch (error) {
    await closeNow(publicServer);
    throw error;
  }
  logger.info('envd.listening', { sandboxId: state.sandboxId });

  let closing: Promise<void> | undefined;
  return {
    state,
    processes,
    native,
    ownsPid: (pid) => processes.ownsPid(pid) || (interpreter?.ownsPid(pid) ?? false),
    close() {
      closing ??= (async () => {
        // No new requests; open streams stay up so clients still get their end events.
        const closed = Promise.all([stopListening(publicServer), stopListening(control.server)]);
        await Promise.all([processes.shutdown(options.shutdownGraceMs ?? 2000), interpreter?.close()]);
        shutdown.abort();
        watchers.closeAll();
        // Let the last events and end-of-stream messages reach the clients, then cut.
        await waitAtMost(closed, DRAIN_CONNECTIONS_MS);
        dropConnections(publicServer);
        dropConnections(control.server, control.tunnels);
        await closed;
        logger.info('envd.closed');
      })();
      return closing;
    },
  };
}
