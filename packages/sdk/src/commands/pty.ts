import { createClient } from '@connectrpc/connect';
import { Process, Signal } from '@soulbox/proto';
import { type EnvdConnection, envdError, userHeader } from '../envd/envd-connection.js';

/** Options of {@link Pty.create}. */
export interface PtyOptions {
  cols: number;
  rows: number;
  /** Receives the terminal's output bytes. */
  onData: (data: Uint8Array) => void;
  user?: string;
  cwd?: string;
  envs?: Record<string, string>;
  /** The shell and its arguments. @default ['/bin/bash', '-i', '-l'] */
  command?: string[];
  signal?: AbortSignal;
}

/** An interactive terminal in a sandbox. */
export interface PtyHandle {
  readonly pid: number;
  sendInput(data: string | Uint8Array): Promise<void>;
  resize(cols: number, rows: number): Promise<void>;
  kill(): Promise<void>;
  /** Resolves with the shell's exit code when it ends. */
  wait(): Promise<{ exitCode: number }>;
}

/** Terminals (PTYs) through envd, as E2B's `sandbox.pty`. */
export class Pty {
  private readonly client;

  constructor(private readonly envd: EnvdConnection) {
    this.client = createClient(Process, envd.transport);
  }

  async create(o: PtyOptions): Promise<PtyHandle> {
    const id = this.envd.sandboxId;
    const [cmd, ...args] = o.command ?? ['/bin/bash', '-i', '-l'];
    const stream = this.client.start(
      {
        process: {
          cmd: cmd!,
          args,
          envs: { TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...o.envs },
          cwd: o.cwd,
        },
        pty: { size: { cols: o.cols, rows: o.rows } },
      },
      // A terminal lives as long as its user wants: no deadline.
      { headers: { ...userHeader(o.user), 'Keepalive-Ping-Interval': '30' }, signal: o.signal },
    );
    const iter = stream[Symbol.asyncIterator]();
    let pid = 0;
    try {
      const first = await iter.next();
      const ev = first.done ? undefined : first.value.event?.event;
      if (ev?.case !== 'start') throw new Error('expected a start event');
      pid = ev.value.pid;
    } catch (err) {
      throw envdError(err, id, 'cannot open a terminal');
    }
    const done = (async () => {
      let exitCode = -1;
      try {
        for (;;) {
          const { value, done: end } = await iter.next();
          if (end) break;
          const ev = value.event?.event;
          if (ev?.case === 'data' && ev.value.output.case === 'pty') o.onData(ev.value.output.value);
          else if (ev?.case === 'end') exitCode = ev.value.exitCode;
        }
      } catch (err) {
        throw envdError(err, id, 'terminal');
      }
      return { exitCode };
    })();
    done.catch(() => {});
    const sel = { selector: { case: 'pid' as const, value: pid } };
    return {
      pid,
      wait: () => done,
      sendInput: async (data) => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        try {
          await this.client.sendInput({ process: sel, input: { input: { case: 'pty', value: bytes } } });
        } catch (err) {
          throw envdError(err, id, 'terminal input');
        }
      },
      resize: async (cols, rows) => {
        try {
          await this.client.update({ process: sel, pty: { size: { cols, rows } } });
        } catch (err) {
          throw envdError(err, id, 'terminal resize');
        }
      },
      kill: async () => {
        try {
          await this.client.sendSignal({ process: sel, signal: Signal.SIGKILL });
        } catch (err) {
          throw envdError(err, id, 'terminal kill');
        }
      },
    };
  }
}
