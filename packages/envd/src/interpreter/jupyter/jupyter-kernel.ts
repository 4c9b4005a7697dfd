import type { Logger } from '../../log/logger.js';
import { type Kernel, KernelDiedError, type KernelExit, type KernelOutput } from '../kernel.js';
import type { KernelProcess } from '../kernel-process.js';
import { MAX_FRAME_BYTES } from '../zmtp/zmtp-codec.js';
import { connectZmtp, type ZmtpSocket, type ZmtpSocketType } from '../zmtp/zmtp-socket.js';
import type { ConnectionFile } from './connection-file.js';
import { createJupyterSession, type JupyterMessage } from './jupyter-message.js';

/** How to turn env var changes into code for one kernel language. */
export interface EnvCode {
  set(vars: Readonly<Record<string, string>>): string;
  unset(names: readonly string[]): string;
}

export interface JupyterKernelOptions {
  readonly process: KernelProcess;
  readonly connection: ConnectionFile;
  readonly envCode: EnvCode;
  readonly logger: Logger;
  /**
   * How long the kernel may take to answer kernel_info.
   * @default 60000
   */
  readonly startTimeoutMs?: number;
}

/** Handlers of one request, keyed by its msg_id. */
interface Pending {
  onIopub(msg: JupyterMessage): void;
  onReply(msg: JupyterMessage): void;
  onDeath(exit: KernelExit): void;
  /** An iopub message was too large to read; the cell should hear that output is missing. */
  onDropped?(bytes: number): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects, retrying while the freshly started kernel has not bound its port yet. */
async function connectWhenListening(
  port: number,
  type: ZmtpSocketType,
  onMessage: (frames: Buffer[], skippedBytes: number) => void,
  alive: () => boolean,
  deadline: number,
): Promise<ZmtpSocket> {
  for (;;) {
    try {
      return await connectZmtp({ host: '127.0.0.1', port, type, onMessage });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ECONNREFUSED' || !alive() || Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

/**
 * A Jupyter kernel process (ipykernel, IRkernel, …) driven over ZeroMQ: shell and control
 * as DEALER sockets, iopub as SUB. Heartbeats are not used: envd is the kernel's parent and
 * sees it die directly.
 */
export async function startJupyterKernel(options: JupyterKernelOptions): Promise<Kernel> {
  const { process: proc, connection, envCode, logger } = options;
  const { info } = connection;
  const session = createJupyterSession(info.key);
  const pending = new Map<string, Pending>();
  let exit: KernelExit | undefined;
  const sockets: ZmtpSocket[] = [];

  void proc.exited.then((e) => {
    exit = e;
    for (const s of sockets) s.close();
    connection.remove();
    for (const p of [...pending.values()]) p.onDeath(e);
    pending.clear();
  });

  const route = (channel: 'shell' | 'iopub') => (frames: Buffer[], skippedBytes: number) => {
    if (skippedBytes > 0) {
      // Its parent header may be readable, but the signature covers the dropped frame: tell
      // every running cell rather than trust it.
      logger.warn('interpreter.message_dropped', { pid: proc.pid, channel, bytes: skippedBytes });
      for (const p of pending.values()) p.onDropped?.(skippedBytes);
      return;
    }
    const msg = session.decode(frames);
    if (!msg) {
      logger.warn('interpreter.bad_message', { pid: proc.pid, channel });
      return;
    }
    const handler = pending.get(msg.parentHeader.msg_id ?? '');
    if (!handler) return;
    if (channel === 'iopub') handler.onIopub(msg);
    else handler.onReply(msg);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const alive = () => exit === undefined;
  try {
    const [shell, control, iopub] = await Promise.all([
      connectWhenListening(info.shell_port, 'DEALER', route('shell'), alive, deadline),
      connectWhenListening(info.control_port, 'DEALER', () => {}, alive, deadline),
      connectWhenListening(info.iopub_port, 'SUB', route('iopub'), alive, deadline),
    ]);
    sockets.push(shell, control, iopub);
    iopub.subscribe('');
  } catch (error) {
    for (const s of sockets) s.close();
    proc.signal('SIGKILL');
    throw exit ? new KernelDiedError(exit) : error;
  }
  // control is connected (a kernel may expect it) but unused: interrupts are signals.
  const [shell] = sockets as [ZmtpSocket, ZmtpSocket, ZmtpSocket];

  /** Sends a request; resolves with the reply once the kernel went idle for it as well. */
  const request = (
    channel: ZmtpSocket,
    msgType: string,
    content: Record<string, unknown>,
    onIopub: (msg: JupyterMessage) => void = () => {},
    onDropped?: (bytes: number) => void,
  ): Promise<JupyterMessage> => {
    if (exit) return Promise.reject(new KernelDiedError(exit));
    const { frames, msgId } = session.encode(msgType, content);
    return new Promise((resolve, reject) => {
      let reply: JupyterMessage | undefined;
      let idle = false;
      const settle = () => {
        if (!reply || !idle) return;
        pending.delete(msgId);
        resolve(reply);
      };
      pending.set(msgId, {
        onIopub(msg) {
          if (msg.header.msg_type === 'status' && msg.content.execution_state === 'idle') {
            idle = true;
            settle();
          } else onIopub(msg);
        },
        onReply(msg) {
          reply = msg;
          settle();
        },
        onDeath: (e) => reject(new KernelDiedError(e)),
        ...(onDropped ? { onDropped } : {}),
      });
      channel.send(frames);
    });
  };

  // Ready = answers on shell and publishes on iopub. A SUB socket misses what was published
  // before its subscription reached the kernel, so ask again until the idle status arrives.
  await (async () => {
    for (;;) {
      const attempt = request(shell, 'kernel_info_request', {});
      const done = await Promise.race([attempt.then(() => true), sleep(250).then(() => false)]);
      if (done) return;
      if (Date.now() > deadline) throw new Error('the kernel did not answer kernel_info in time');
    }
  })().catch((error: unknown) => {
    proc.signal('SIGKILL');
    throw error;
  });
  // Unanswered kernel_info attempts would never be cleaned up otherwise.
  pending.clear();

  const silent = async (code: string) => {
    const reply = await request(shell, 'execute_request', {
      code,
      silent: true,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: false,
    });
    if (reply.content.status !== 'ok') {
      throw new Error(`kernel refused ${code.slice(0, 40)}: ${String(reply.content.evalue ?? '')}`);
    }
  };

  return {
    pid: proc.pid,
    exited: proc.exited,
    async execute(code, onOutput: (o: KernelOutput) => void) {
      // stop_on_error makes ipykernel abort requests that arrive shortly after a failed cell
      // (its abort window outlives the idle status): the cell after an interrupt would be
      // dropped. Cells are serialised here anyway, so nothing is queued that should stop.
      await request(
        shell,
        'execute_request',
        {
          code,
          silent: false,
          store_history: true,
          user_expressions: {},
          allow_stdin: false,
          stop_on_error: false,
        },
        (msg) => {
          const c = msg.content;
          switch (msg.header.msg_type) {
            case 'execute_input':
              if (typeof c.execution_count === 'number')
                onOutput({ type: 'execution_count', count: c.execution_count });
              break;
            case 'stream':
              onOutput({ type: c.name === 'stderr' ? 'stderr' : 'stdout', text: String(c.text ?? '') });
              break;
            case 'execute_result':
            case 'display_data':
              onOutput({
                type: 'result',
                bundle: (c.data ?? {}) as Record<string, unknown>,
                isMain: msg.header.msg_type === 'execute_result',
              });
              break;
            case 'error':
              onOutput({
                type: 'error',
                name: String(c.ename ?? 'Error'),
                value: String(c.evalue ?? ''),
                traceback: Array.isArray(c.traceback) ? c.traceback.join('') : '',
              });
              break;
          }
        },
        (bytes) =>
          onOutput({
            type: 'stderr',
            text: `[an output of ${Math.round(bytes / 2 ** 20)} MiB was dropped: one output may be at most ${MAX_FRAME_BYTES / 2 ** 20} MiB]\n`,
          }),
      );
    },
    async setEnv(set, unset) {
      if (Object.keys(set).length > 0) await silent(envCode.set(set));
      if (unset.length > 0) await silent(envCode.unset(unset));
    },
    interrupt() {
      // ipykernel's and IRkernel's default interrupt_mode is "signal": SIGINT raises
      // KeyboardInterrupt in the running cell.
      proc.signal('SIGINT');
    },
    async kill() {
      // The state is being thrown away: no shutdown_request handshake, just end it.
      proc.signal('SIGKILL');
      await proc.exited;
    },
  };
}
