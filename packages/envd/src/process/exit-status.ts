import { constants } from 'node:os';

/** How a process ended, in the shape of the protocol's EndEvent. */
export interface ProcessExit {
  /** Exit status, or -1 when killed by a signal (Go's ProcessState.ExitCode()). */
  readonly exitCode: number;
  readonly exited: boolean;
  /** Go's ProcessState.String(): "exit status 1", "signal: killed". */
  readonly status: string;
  /** Go's cmd.Wait() error text; absent on a clean exit 0. */
  readonly error?: string | undefined;
}

// Go's syscall signal table for linux/amd64: the SDK and users see these exact words.
const GO_SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: 'hangup',
  2: 'interrupt',
  3: 'quit',
  4: 'illegal instruction',
  5: 'trace/breakpoint trap',
  6: 'aborted',
  7: 'bus error',
  8: 'floating point exception',
  9: 'killed',
  10: 'user defined signal 1',
  11: 'segmentation fault',
  12: 'user defined signal 2',
  13: 'broken pipe',
  14: 'alarm clock',
  15: 'terminated',
  16: 'stack fault',
  17: 'child exited',
  18: 'continued',
  19: 'stopped (signal)',
  20: 'stopped',
  21: 'stopped (tty input)',
  22: 'stopped (tty output)',
  23: 'urgent I/O condition',
  24: 'CPU time limit exceeded',
  25: 'file size limit exceeded',
  26: 'virtual timer expired',
  27: 'profiling timer expired',
  28: 'window changed',
  29: 'I/O possible',
  30: 'power failure',
  31: 'bad system call',
};

/** Signal number for a Node signal name ("SIGKILL" → 9); numbers pass through. */
export function signalNumber(signal: NodeJS.Signals | number | null | undefined): number | null {
  if (signal === null || signal === undefined) return null;
  if (typeof signal === 'number') return signal > 0 ? signal : null;
  return constants.signals[signal] ?? null;
}

/**
 * Builds the EndEvent fields from an exit code or a terminating signal, worded like Go so
 * clients that print or match on them see what upstream envd sends.
 */
export function describeExit(exitCode: number | null, signal: NodeJS.Signals | number | null): ProcessExit {
  const signo = signalNumber(signal);
  if (signo !== null) {
    const status = `signal: ${GO_SIGNAL_NAMES[signo] ?? `signal ${signo}`}`;
    return { exitCode: -1, exited: false, status, error: status };
  }
  const code = exitCode ?? 0;
  const status = `exit status ${code}`;
  return code === 0
    ? { exitCode: 0, exited: true, status }
    : { exitCode: code, exited: true, status, error: status };
}
