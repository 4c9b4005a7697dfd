import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { EnvdError } from '../errors/envd-error.js';
import type { ChildHandle, ChildListeners, ChildSpec } from './child-handle.js';
import { execInvocation } from './exec-helper.js';

/**
 * After the process exits, output still in the pipes is read until the pipes have been
 * quiet this long. A background grandchild (`cmd &`) may hold the pipes open forever; like
 * Go's cmd.Wait, the command is over when its own process is, not when its pipes close.
 */
const DRAIN_IDLE_MS = 25;
/** Upper bound on that drain, so a grandchild that keeps writing cannot delay the end. */
const DRAIN_MAX_MS = 1000;

export interface PipeChildOptions {
  readonly helperPath: string;
  readonly spec: ChildSpec;
  /** Open a stdin pipe; otherwise stdin is /dev/null. */
  readonly stdin: boolean;
  readonly listeners: ChildListeners;
}

function waitForSpawn(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid as number));
    child.once('error', reject);
  });
}

/**
 * Spawns a command with pipes for stdout/stderr (and stdin if asked).
 * @throws EnvdError INTERNAL when the helper cannot be started
 */
export async function spawnPipeChild({
  helperPath,
  spec,
  stdin,
  listeners,
}: PipeChildOptions): Promise<ChildHandle> {
  const { file, args } = execInvocation(helperPath, spec);
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: spec.cwd,
      env: { ...spec.env },
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new EnvdError('INVALID_ARGUMENT', `error starting process '${spec.cmd}': ${String(error)}`, {
      cause: error,
    });
  }
  if (child.pid !== undefined) listeners.onSpawn(child.pid);
  let pid: number;
  try {
    pid = await waitForSpawn(child);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvdError('INTERNAL', `error starting process '${spec.cmd}': ${reason}`, { cause: error });
  }

  const stdout = child.stdout as Readable;
  const stderr = child.stderr as Readable;
  const stdinStream = child.stdin;
  // EPIPE when the command closed its stdin or exited: a write failure, not a crash.
  stdinStream?.on('error', () => {});

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let lastOutputAt = 0;
  let drainTimer: NodeJS.Timeout | undefined;
  let drainDeadline: NodeJS.Timeout | undefined;
  let reported = false;
  // While a slow client holds output back, unread data waits in the pipes: never cut it off.
  let paused = false;

  const report = (): void => {
    if (reported || !exitInfo) return;
    reported = true;
    clearTimeout(drainTimer);
    clearTimeout(drainDeadline);
    stdout.destroy();
    stderr.destroy();
    stdinStream?.destroy();
    listeners.onExit(exitInfo.code, exitInfo.signal);
  };

  const armDrain = (): void => {
    clearTimeout(drainTimer);
    drainTimer = setTimeout(() => {
      // Timers run before the loop polls for I/O, so give the poll phase one more turn to
      // read what is already in the pipes before deciding they are quiet.
      const seen = lastOutputAt;
      setImmediate(() => (paused || lastOutputAt !== seen ? armDrain() : report()));
    }, DRAIN_IDLE_MS);
  };

  const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    lastOutputAt = performance.now();
    listeners.onOutput(stream, chunk);
    if (exitInfo) armDrain();
  };
  stdout.on('data', onData('stdout'));
  stderr.on('data', onData('stderr'));
  stdout.on('error', () => {});
  stderr.on('error', () => {});

  child.once('exit', (code, signal) => {
    exitInfo = { code, signal };
    armDrain();
    const deadline = (): void => {
      if (paused) drainDeadline = setTimeout(deadline, DRAIN_IDLE_MS);
      else report();
    };
    drainDeadline = setTimeout(deadline, DRAIN_MAX_MS);
  });
  // 'close' comes once both pipes hit EOF: the common case, no waiting needed.
  child.once('close', report);

  return {
    pid,
    kind: 'pipe',
    write(data) {
      if (!stdinStream || stdinStream.destroyed || stdinStream.writableEnded) {
        return Promise.reject(new EnvdError('FAILED_PRECONDITION', 'stdin not enabled or closed'));
      }
      return new Promise((resolve, reject) => {
        stdinStream.write(data, (error) => {
          if (error)
            reject(new EnvdError('INTERNAL', `error writing to stdin of process '${pid}': ${error.message}`));
          else resolve();
        });
      });
    },
    closeStdin() {
      if (stdinStream && !stdinStream.writableEnded) stdinStream.end();
    },
    resize() {
      throw new EnvdError('FAILED_PRECONDITION', 'tty not assigned to process');
    },
    pause() {
      paused = true;
      stdout.pause();
      stderr.pause();
    },
    resume() {
      paused = false;
      stdout.resume();
      stderr.resume();
    },
    kill(signal) {
      if (!reported) child.kill(signal);
    },
  };
}
