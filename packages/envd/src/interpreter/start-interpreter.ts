import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { SandboxState } from '../state/sandbox-state.js';
import type { UserDb } from '../users/user-db.js';
import { createContexts } from './contexts.js';
import { createInterpreterServer } from './interpreter-server.js';
import { createKernelLauncher, type NodeKernelCommand } from './kernel-launcher.js';

/** The port @e2b/code-interpreter talks to (`JUPYTER_PORT`). */
export const INTERPRETER_PORT = 49999;

/** File name of the Node kernel inside envd's bundle directory. */
export const NODE_KERNEL_FILE = 'js-kernel.cjs';

export interface InterpreterOptions {
  readonly state: SandboxState;
  readonly users: UserDb;
  readonly helperPath: string;
  /** envd's bundle directory: python-startup.py and js-kernel.cjs live there. */
  readonly bundleDir: string;
  readonly logger: Logger;
  /** @default 127.0.0.1:49999 */
  readonly host?: string;
  readonly port?: number;
  /** @default node running `<bundleDir>/js-kernel.cjs` the way envd itself runs */
  readonly nodeKernel?: NodeKernelCommand;
}

export interface Interpreter {
  readonly port: number;
  /** Kernel pids: children libuv waits for, which the zombie reaper must not touch. */
  ownsPid(pid: number): boolean;
  close(): Promise<void>;
}

/**
 * The node command line envd itself was started with. In a sandbox envd runs through the
 * dynamic loader of its own library copy (`process.execPath` is ld-linux, not node), so a
 * kernel must be started the same way: `ld-linux --library-path <lib> <bin>/node`.
 */
export function nodeCommandOfThisProcess(): { cmd: string; args: string[] } {
  const exe = process.execPath;
  if (basename(exe).startsWith('ld-linux')) {
    const lib = dirname(exe);
    return { cmd: exe, args: ['--library-path', lib, join(dirname(lib), 'bin', 'node')] };
  }
  return { cmd: exe, args: [] };
}

/**
 * Starts the code interpreter: the HTTP API on 127.0.0.1:49999 (the data plane reaches it
 * through envd's port tunnel) and the default python and javascript kernels.
 */
export async function startInterpreter(options: InterpreterOptions): Promise<Interpreter> {
  const { logger } = options;
  const owned = new Set<number>();
  const node = nodeCommandOfThisProcess();
  const launch = createKernelLauncher({
    state: options.state,
    users: options.users,
    helperPath: options.helperPath,
    bundleDir: options.bundleDir,
    nodeKernel: options.nodeKernel ?? {
      cmd: node.cmd,
      args: [...node.args, join(options.bundleDir, NODE_KERNEL_FILE)],
    },
    logger,
    ownedPids: owned,
  });
  const contexts = createContexts({ launch, state: options.state, logger });
  const server: Server = createInterpreterServer(contexts, logger);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? INTERPRETER_PORT }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : INTERPRETER_PORT;
  logger.info('interpreter.listening', { port });
  return {
    port,
    ownsPid: (pid) => owned.has(pid),
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await contexts.close();
      await closed;
    },
  };
}
