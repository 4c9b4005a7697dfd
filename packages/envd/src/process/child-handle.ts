import type { SandboxUser } from '../users/user-db.js';

/** Which stream a chunk of output came from. */
export type OutputStream = 'stdout' | 'stderr' | 'pty';

/** What a spawned child reports back; called on the event loop. */
export interface ChildListeners {
  /**
   * Called synchronously as soon as the pid exists, before any event-loop turn, so the
   * zombie reaper can never mistake this child for an orphan and steal its exit status.
   */
  onSpawn(pid: number): void;
  onOutput(stream: OutputStream, chunk: Buffer): void;
  /** Called once, after the output that can still be read has been delivered. */
  onExit(exitCode: number | null, signal: NodeJS.Signals | number | null): void;
}

/** How to start a child: the user command, already resolved and validated. */
export interface ChildSpec {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly user: SandboxUser;
  /** Written to the child's oom_score_adj before it execs. */
  readonly oomScoreAdj: number | undefined;
}

/** A running child, pipe or PTY, behind one interface. */
export interface ChildHandle {
  readonly pid: number;
  readonly kind: 'pipe' | 'pty';
  /** Writes to stdin (pipe) or to the terminal (pty). */
  write(data: Uint8Array): Promise<void>;
  /** Closes stdin; a no-op when it is already closed or was never opened. */
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  /** Flow control: stop/continue reading output while a client is slow. */
  pause(): void;
  resume(): void;
  kill(signal: NodeJS.Signals): void;
}
