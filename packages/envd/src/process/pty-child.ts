import { createRequire } from 'node:module';
import type * as NodePty from 'node-pty';
import { EnvdError } from '../errors/envd-error.js';
import type { ChildHandle, ChildListeners, ChildSpec } from './child-handle.js';
import { execInvocation } from './exec-helper.js';

let nodePty: typeof NodePty | undefined;

/**
 * node-pty is loaded on first use: most sandboxes never open a terminal, and a broken
 * node-pty must only fail PTY requests, not envd's start-up.
 */
function loadNodePty(): typeof NodePty {
  if (!nodePty) {
    try {
      nodePty = createRequire(import.meta.url)('node-pty') as typeof NodePty;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new EnvdError('INTERNAL', `PTY support is unavailable: ${reason}`, { cause: error });
    }
  }
  return nodePty;
}

export interface PtyChildOptions {
  readonly helperPath: string;
  readonly spec: ChildSpec;
  readonly cols: number;
  readonly rows: number;
  readonly listeners: ChildListeners;
}

/** Terminal name when the request's envs carry no TERM (node-pty would say "xterm"). */
const DEFAULT_TERM = 'xterm-256color';

/**
 * Spawns a command on a new pseudo-terminal. Output arrives as raw bytes (`encoding: null`)
 * so multi-byte characters split across reads reach the client intact. node-pty's own
 * uid/gid options are not used: it would keep envd's supplementary groups, so the user
 * switch happens in envd-exec (exec-helper.ts) like for pipe processes.
 */
export function spawnPtyChild({ helperPath, spec, cols, rows, listeners }: PtyChildOptions): ChildHandle {
  const pty = loadNodePty();
  const { file, args } = execInvocation(helperPath, spec);
  let term: NodePty.IPty;
  try {
    term = pty.spawn(file, args, {
      name: spec.env.TERM ?? DEFAULT_TERM,
      cols,
      rows,
      cwd: spec.cwd,
      env: { ...spec.env },
      encoding: null,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvdError(
      'INVALID_ARGUMENT',
      `error starting pty with command '${spec.cmd}' in dir '${spec.cwd}' with '${cols}' cols and '${rows}' rows: ${reason}`,
      { cause: error },
    );
  }
  listeners.onSpawn(term.pid);
  let exited = false;
  // With encoding null node-pty hands out Buffers, although its typings say string.
  term.onData((data: string | Buffer) => {
    listeners.onOutput('pty', typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  });
  term.onExit(({ exitCode, signal }) => {
    exited = true;
    listeners.onExit(signal ? null : exitCode, signal || null);
  });

  return {
    pid: term.pid,
    kind: 'pty',
    async write(data) {
      if (exited) throw new EnvdError('FAILED_PRECONDITION', `process '${term.pid}' has exited`);
      term.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
    closeStdin() {
      throw new EnvdError(
        'FAILED_PRECONDITION',
        'cannot close stdin for PTY process — send Ctrl+D (0x04) instead',
      );
    },
    resize(newCols, newRows) {
      if (!exited) term.resize(newCols, newRows);
    },
    pause: () => term.pause(),
    resume: () => term.resume(),
    kill(signal) {
      if (!exited) process.kill(term.pid, signal);
    },
  };
}
