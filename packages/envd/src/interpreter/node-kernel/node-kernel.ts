import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { type Kernel, KernelDiedError, type KernelExit, type KernelOutput } from '../kernel.js';
import type { KernelProcess } from '../kernel-process.js';
import { type HostCommand, type KernelMessage, PROTOCOL_FD } from './kernel-protocol.js';

export interface NodeKernelOptions {
  /** The kernel process, spawned with a pipe on {@link PROTOCOL_FD}. */
  readonly process: KernelProcess;
  /**
   * How long the kernel may take to say `ready`.
   * @default 30000
   */
  readonly startTimeoutMs?: number;
}

interface Pending {
  onMessage(message: KernelMessage): void;
  onDeath(exit: KernelExit): void;
}

/** Drives envd's Node kernel (kernel-main.ts) over its fd-3 line protocol. */
export async function startNodeKernel(options: NodeKernelOptions): Promise<Kernel> {
  const proc = options.process;
  const channel = proc.child.stdio[PROTOCOL_FD] as Socket | null | undefined;
  if (!channel) throw new Error(`the kernel process has no fd ${PROTOCOL_FD}`);
  channel.on('error', () => {});
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exit: KernelExit | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the Node kernel did not start in time')),
      options.startTimeoutMs ?? 30_000,
    );
    const lines = createInterface({ input: channel, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      let message: KernelMessage;
      try {
        message = JSON.parse(line) as KernelMessage;
      } catch {
        return;
      }
      if (message.t === 'ready') {
        clearTimeout(timer);
        resolve();
        return;
      }
      pending.get(message.id)?.onMessage(message);
    });
    void proc.exited.then((e) => {
      clearTimeout(timer);
      exit = e;
      channel.destroy();
      for (const p of [...pending.values()]) p.onDeath(e);
      pending.clear();
      reject(new KernelDiedError(e));
    });
  });
  try {
    await ready;
  } catch (error) {
    proc.signal('SIGKILL');
    throw error;
  }

  const call = (command: HostCommand, onMessage: (m: KernelMessage) => void = () => {}): Promise<void> => {
    if (exit) return Promise.reject(new KernelDiedError(exit));
    return new Promise((resolve, reject) => {
      pending.set(command.id, {
        onMessage(message) {
          if (message.t === 'done') {
            pending.delete(command.id);
            resolve();
          } else onMessage(message);
        },
        onDeath: (e) => reject(new KernelDiedError(e)),
      });
      channel.write(`${JSON.stringify(command)}\n`);
    });
  };

  return {
    pid: proc.pid,
    exited: proc.exited,
    execute: (code, onOutput: (o: KernelOutput) => void) =>
      call({ t: 'execute', id: nextId++, code }, (m) => {
        if (m.t === 'count') onOutput({ type: 'execution_count', count: m.count });
        else if (m.t === 'stream') onOutput({ type: m.name, text: m.text });
        else if (m.t === 'result') onOutput({ type: 'result', bundle: m.bundle, isMain: m.main });
        else if (m.t === 'error')
          onOutput({ type: 'error', name: m.name, value: m.value, traceback: m.traceback });
      }),
    setEnv: (set, unset) => call({ t: 'env', id: nextId++, set, unset }),
    interrupt: () => proc.signal('SIGINT'),
    async kill() {
      proc.signal('SIGKILL');
      await proc.exited;
    },
  };
}
