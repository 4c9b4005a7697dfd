/**
 * What every kernel (Jupyter over ZeroMQ, or envd's Node kernel) offers the contexts layer.
 * A kernel is one process holding one context's state.
 */

/** A Jupyter MIME bundle: `{"text/plain": "1", "image/png": "<base64>", …}`. */
export type MimeBundle = Readonly<Record<string, unknown>>;

/** What an execution produces, in order. */
export type KernelOutput =
  | { readonly type: 'stdout' | 'stderr'; readonly text: string }
  /** `isMain`: the cell's value (Jupyter execute_result) rather than a display_data. */
  | { readonly type: 'result'; readonly bundle: MimeBundle; readonly isMain: boolean }
  | { readonly type: 'error'; readonly name: string; readonly value: string; readonly traceback: string }
  | { readonly type: 'execution_count'; readonly count: number };

/** How a kernel process ended. */
export interface KernelExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface Kernel {
  readonly pid: number;
  /**
   * Runs one cell; resolves once its last output has been delivered.
   * @throws KernelDiedError when the process ends before the cell does
   */
  execute(code: string, onOutput: (output: KernelOutput) => void): Promise<void>;
  /** Sets and removes environment variables of the kernel process (between cells). */
  setEnv(set: Readonly<Record<string, string>>, unset: readonly string[]): Promise<void>;
  /** Interrupts the running cell (SIGINT); a no-op when idle. */
  interrupt(): void;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<KernelExit>;
  /** Ends the process (SIGKILL after a short grace) and its connections. */
  kill(): Promise<void>;
}

/** The kernel process ended while a cell ran or before it could start. */
export class KernelDiedError extends Error {
  override readonly name = 'KernelDiedError';

  constructor(readonly exit: KernelExit) {
    super(
      `the kernel died (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}); its state is lost`,
    );
  }
}

/** Describes an exit for logs and errors. */
export function describeKernelExit(exit: KernelExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
