import { createClient } from '@connectrpc/connect';
import { Process, Signal } from '@soulbox/proto';
import { type EnvdConnection, envdError, userHeader } from '../envd/envd-connection.js';

/** Outcome of a finished command. */
export interface CommandResult {
  exitCode: number;
  /** Collected output (empty when `keepOutput` was false). */
  stdout: string;
  stderr: string;
  /** Set when the process was killed by a signal (`signal: killed`) or did not exit normally. */
  error?: string;
}

/** Options of {@link Commands.run} and {@link Commands.start}. */
export interface CommandOptions {
  /** Linux user. @default the sandbox's default user */
  user?: string;
  cwd?: string;
  envs?: Record<string, string>;
  /** Kill the command after this long; 0 = never. @default 0 */
  timeoutMs?: number;
  onStdout?: (data: string) => void;
  onStderr?: (data: string) => void;
  /** Open stdin so that {@link CommandHandle.sendStdin} works. @default false */
  stdin?: boolean;
  /** Collect stdout/stderr into the result. @default true */
  keepOutput?: boolean;
  signal?: AbortSignal;
}

/** A command started in the background. */
export interface CommandHandle {
  readonly pid: number;
  /** Resolves with the result when the process ends (whatever its exit code). */
  wait(): Promise<CommandResult>;
  sendStdin(data: string | Uint8Array): Promise<void>;
  closeStdin(): Promise<void>;
  kill(): Promise<void>;
}

/** A command: a shell line (`bash -l -c`) or an argument vector run directly. */
export type CommandLine = string | { cmd: string; args: string[] };

/** Runs processes in a sandbox through envd's Process service. */
export class Commands {
  private readonly client;

  constructor(private readonly envd: EnvdConnection) {
    this.client = createClient(Process, envd.transport);
  }

  /** Runs a command to its end; resolves with its exit code (non-zero exits do not throw). */
  async run(command: CommandLine, o: CommandOptions = {}): Promise<CommandResult> {
    const h = await this.start(command, o);
    return h.wait();
  }

  /** Starts a command and resolves once it runs (with its pid). */
  async start(command: CommandLine, o: CommandOptions = {}): Promise<CommandHandle> {
    const id = this.envd.sandboxId;
    const [cmd, args] =
      typeof command === 'string' ? ['/bin/bash', ['-l', '-c', command]] : [command.cmd, command.args];
    const stream = this.client.start(
      { process: { cmd, args, envs: o.envs ?? {}, cwd: o.cwd }, stdin: o.stdin ?? false },
      {
        headers: { ...userHeader(o.user), 'Keepalive-Ping-Interval': '30' },
        timeoutMs: o.timeoutMs || undefined,
        signal: o.signal,
      },
    );
    const iter = stream[Symbol.asyncIterator]();
    let first: Awaited<ReturnType<typeof iter.next>>;
    try {
      first = await iter.next();
    } catch (err) {
      throw envdError(err, id, `cannot start '${cmd}'`);
    }
    const startEv = first.done ? undefined : first.value.event?.event;
    if (startEv?.case !== 'start') throw envdError(new Error('expected a start event'), id, 'start');
    const pid = startEv.value.pid;
    const keep = o.keepOutput ?? true;
    const out: string[] = [];
    const errOut: string[] = [];
    const dec = { out: new TextDecoder(), err: new TextDecoder() };
    const done = (async (): Promise<CommandResult> => {
      let result: CommandResult | undefined;
      try {
        for (;;) {
          const { value, done: end } = await iter.next();
          if (end) break;
          const ev = value.event?.event;
          if (ev?.case === 'data') {
            const d = ev.value.output;
            if (d.case === 'stdout') {
              const s = dec.out.decode(d.value, { stream: true });
              if (keep) out.push(s);
              o.onStdout?.(s);
            } else if (d.case === 'stderr') {
              const s = dec.err.decode(d.value, { stream: true });
              if (keep) errOut.push(s);
              o.onStderr?.(s);
            }
          } else if (ev?.case === 'end') {
            result = {
              exitCode: ev.value.exitCode,
              stdout: '',
              stderr: '',
              ...(ev.value.error ? { error: ev.value.error } : {}),
            };
          }
        }
      } catch (err) {
        throw envdError(err, id, `command ${pid}`);
      }
      if (!result)
        throw envdError(new Error('the process stream ended without an exit status'), id, `command ${pid}`);
      result.stdout = out.join('');
      result.stderr = errOut.join('');
      return result;
    })();
    // The caller may never wait; keep an unobserved failure from crashing the process.
    done.catch(() => {});
    const sel = { selector: { case: 'pid' as const, value: pid } };
    return {
      pid,
      wait: () => done,
      sendStdin: async (data) => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        try {
          await this.client.sendInput({ process: sel, input: { input: { case: 'stdin', value: bytes } } });
        } catch (err) {
          throw envdError(err, id, `stdin of ${pid}`);
        }
      },
      closeStdin: async () => {
        try {
          await this.client.closeStdin({ process: sel });
        } catch (err) {
          throw envdError(err, id, `stdin of ${pid}`);
        }
      },
      kill: async () => {
        try {
          await this.client.sendSignal({ process: sel, signal: Signal.SIGKILL });
        } catch (err) {
          throw envdError(err, id, `kill ${pid}`);
        }
      },
    };
  }
}
