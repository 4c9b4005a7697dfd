import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ChildSpec } from '../process/child-handle.js';
import { execInvocation } from '../process/exec-helper.js';
import type { KernelExit } from './kernel.js';

export interface KernelProcessOptions {
  /** `envd-exec`, which drops to the kernel user's uid, gid and groups before exec. */
  readonly helperPath: string;
  readonly spec: ChildSpec;
  /** Extra `pipe` fds after stdio (fd 3…); Node makes them socketpairs, so both ways work. */
  readonly extraPipes?: number;
  /** Registers the pid with the zombie reaper's exclusions, synchronously at spawn. */
  readonly onSpawn: (pid: number) => void;
  readonly onExit: (pid: number) => void;
  /** Output the process writes to its own fd 1/2 (not the kernel protocol). */
  readonly onRawOutput: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface KernelProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<KernelExit>;
  signal(signal: NodeJS.Signals): void;
}

/**
 * Starts a kernel as the sandbox user through envd-exec, with stdin closed. Kernels are
 * long-lived children of envd (PID 1), so the pid is handed to `onSpawn` before the event
 * loop turns: the zombie reaper must never collect a status libuv is waiting for.
 */
export function spawnKernelProcess(options: KernelProcessOptions): Promise<KernelProcess> {
  const { file, args } = execInvocation(options.helperPath, options.spec);
  const extra = Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const);
  const child = spawn(file, args, {
    cwd: options.spec.cwd,
    env: { ...options.spec.env },
    stdio: ['ignore', 'pipe', 'pipe', ...extra],
  });
  const pid = child.pid;
  if (pid !== undefined) options.onSpawn(pid);
  const exited = new Promise<KernelExit>((resolve) => {
    child.once('exit', (code, signal) => {
      if (pid !== undefined) options.onExit(pid);
      resolve({ code, signal });
    });
  });
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = child[name] as Readable;
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => options.onRawOutput(name, text));
    stream.on('error', () => {});
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () =>
      resolve({
        pid: pid as number,
        child,
        exited,
        signal(sig) {
          if (child.exitCode === null && child.signalCode === null) child.kill(sig);
        },
      }),
    );
  });
}
