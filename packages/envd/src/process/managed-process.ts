import { EnvdError, errnoCode } from '../errors/envd-error.js';
import type { ChildHandle, OutputStream } from './child-handle.js';
import type { ProcessExit } from './exit-status.js';

/** The command as the client asked for it (reported back by List). */
export interface ProcessCommand {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly envs: Readonly<Record<string, string>>;
  readonly cwd?: string | undefined;
}

/** What a subscriber (one streaming response) receives. */
export type ProcessStreamEvent =
  | { readonly type: 'output'; readonly stream: OutputStream; readonly data: Buffer }
  | { readonly type: 'end'; readonly exit: ProcessExit };

/** One consumer of a process's live events. */
export interface ProcessSubscriber {
  onEvent(event: ProcessStreamEvent): void;
  /** True while this consumer has too much buffered; the process output is then paused. */
  readonly congested: boolean;
}

/**
 * A process envd started: fans its output out to the current subscribers (Start and any
 * Connect streams), pauses the output while one of them is congested, and remembers how it
 * ended. With no subscriber, output is dropped, which is what lets background commands run
 * on after the client went away.
 */
export class ManagedProcess {
  readonly #subscribers = new Set<ProcessSubscriber>();
  #child: ChildHandle | undefined;
  #paused = false;
  #exit: ProcessExit | undefined;
  #deadline: NodeJS.Timeout | undefined;
  readonly #endWaiters: Array<(exit: ProcessExit) => void> = [];

  constructor(
    readonly command: ProcessCommand,
    readonly tag: string | undefined,
  ) {}

  get pid(): number {
    return this.#childOrThrow().pid;
  }

  get kind(): 'pipe' | 'pty' {
    return this.#childOrThrow().kind;
  }

  /** Set once the process has ended. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  attach(child: ChildHandle): void {
    this.#child = child;
  }

  /** Adds a live subscriber; returns the function that removes it. */
  subscribe(subscriber: ProcessSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
      this.updateFlow();
    };
  }

  /** Resolves when the process has ended (immediately if it already has). */
  waitForEnd(): Promise<ProcessExit> {
    if (this.#exit) return Promise.resolve(this.#exit);
    return new Promise((resolve) => this.#endWaiters.push(resolve));
  }

  deliverOutput(stream: OutputStream, data: Buffer): void {
    for (const subscriber of this.#subscribers) subscriber.onEvent({ type: 'output', stream, data });
    this.updateFlow();
  }

  deliverExit(exit: ProcessExit): void {
    this.#exit = exit;
    clearTimeout(this.#deadline);
    for (const subscriber of this.#subscribers) subscriber.onEvent({ type: 'end', exit });
    this.#subscribers.clear();
    for (const resolve of this.#endWaiters.splice(0)) resolve(exit);
  }

  /** Pauses output while any subscriber is congested; resumes when none is. */
  updateFlow(): void {
    const child = this.#child;
    if (!child || this.#exit) return;
    const congested = [...this.#subscribers].some((s) => s.congested);
    if (congested && !this.#paused) {
      this.#paused = true;
      child.pause();
    } else if (!congested && this.#paused) {
      this.#paused = false;
      child.resume();
    }
  }

  /**
   * Kills the process with SIGKILL after `timeoutMs` unless it ends first: the request's
   * Connect-Timeout-Ms bounds the command itself, whether or not the client is still there.
   */
  setDeadline(timeoutMs: number, onExpire: () => void): void {
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => {
      onExpire();
      this.signal('SIGKILL');
    }, timeoutMs);
  }

  write(data: Uint8Array, as: 'stdin' | 'pty'): Promise<void> {
    const child = this.#childOrThrow();
    if (as === 'stdin' && child.kind === 'pty') {
      throw new EnvdError(
        'FAILED_PRECONDITION',
        'tty assigned to process — input should be written to the pty, not the stdin',
      );
    }
    if (as === 'pty' && child.kind === 'pipe') {
      throw new EnvdError(
        'FAILED_PRECONDITION',
        'tty not assigned to process — input should be written to the stdin, not the tty',
      );
    }
    return child.write(data);
  }

  closeStdin(): void {
    this.#childOrThrow().closeStdin();
  }

  resize(cols: number, rows: number): void {
    this.#childOrThrow().resize(cols, rows);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#exit) return;
    try {
      this.#childOrThrow().kill(signal);
    } catch (error) {
      // ESRCH: it exited and is being reaped right now; the end event is on its way.
      if (errnoCode(error) !== 'ESRCH') throw error;
    }
  }

  #childOrThrow(): ChildHandle {
    if (!this.#child) throw new EnvdError('INTERNAL', 'process is not started yet');
    return this.#child;
  }
}
