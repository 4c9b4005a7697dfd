import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import {
  type Process,
  type ProcessEventSchema,
  type ProcessInput,
  type ProcessSelector as ProtoSelector,
  Signal,
} from '@soulbox/proto';
import { EnvdError } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';
import type { ManagedProcess, ProcessStreamEvent } from '../process/managed-process.js';
import type { ProcessManager, ProcessSelector } from '../process/process-manager.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { EventQueue } from '../stream/event-queue.js';
import type { UserDb } from '../users/user-db.js';
import { keepaliveIntervalMs, requestUser } from './request-context.js';
import { streamHandler, throwIfDeadline, unaryHandler } from './rpc-errors.js';

type ProcessEventInit = MessageInitShape<typeof ProcessEventSchema>;
type QueueItem = ProcessStreamEvent | { readonly type: 'keepalive' };

export interface ProcessServiceDeps {
  readonly manager: ProcessManager;
  readonly users: UserDb;
  readonly state: SandboxState;
  readonly logger: Logger;
}

function toSelector(selector: ProtoSelector | undefined): ProcessSelector {
  switch (selector?.selector.case) {
    case 'pid':
      return { pid: selector.selector.value };
    case 'tag':
      return { tag: selector.selector.value };
    default:
      throw new EnvdError('INVALID_ARGUMENT', 'a process selector (pid or tag) is required');
  }
}

function toEventInit(item: QueueItem): ProcessEventInit {
  switch (item.type) {
    case 'output':
      return { event: { case: 'data', value: { output: { case: item.stream, value: item.data } } } };
    case 'end':
      return { event: { case: 'end', value: { ...item.exit } } };
    case 'keepalive':
      return { event: { case: 'keepalive', value: {} } };
  }
}

/**
 * The event stream of one Start or Connect call: `start{pid}` first, then live output and
 * keepalives, then exactly one `end`. The subscription is taken before the first yield so
 * no output produced in between is lost. A client that goes away only ends this stream; the
 * process runs on.
 */
async function* followProcess(
  process: ManagedProcess,
  context: HandlerContext,
): AsyncGenerator<{ event: ProcessEventInit }> {
  const pid = process.pid;
  const queue = new EventQueue<QueueItem>({
    signal: context.signal,
    keepaliveMs: keepaliveIntervalMs(context),
    keepalive: () => ({ type: 'keepalive' }),
    sizeOf: (item) => (item.type === 'output' ? item.data.length : 0),
    onDrain: () => process.updateFlow(),
  });
  const finished = process.exit;
  const unsubscribe = finished
    ? () => {}
    : process.subscribe({
        onEvent(event) {
          queue.push(event);
          if (event.type === 'end') queue.end();
        },
        get congested() {
          return queue.congested;
        },
      });
  try {
    yield { event: { event: { case: 'start', value: { pid } } } };
    if (finished) {
      yield { event: toEventInit({ type: 'end', exit: finished }) };
      return;
    }
    for await (const item of queue) yield { event: toEventInit(item) };
    throwIfDeadline(context);
  } finally {
    unsubscribe();
    queue.close();
  }
}

function inputOf(input: ProcessInput | undefined): { data: Uint8Array; as: 'stdin' | 'pty' } {
  switch (input?.input.case) {
    case 'stdin':
      return { data: input.input.value, as: 'stdin' };
    case 'pty':
      return { data: input.input.value, as: 'pty' };
    default:
      throw new EnvdError('UNIMPLEMENTED', 'invalid input type');
  }
}

const SIGNALS: ReadonlyMap<Signal, NodeJS.Signals> = new Map([
  [Signal.SIGKILL, 'SIGKILL'],
  [Signal.SIGTERM, 'SIGTERM'],
]);

/** `process.Process`: thin handlers over the process manager. */
export function createProcessService(deps: ProcessServiceDeps): ServiceImpl<typeof Process> {
  const { manager, users, state, logger } = deps;

  return {
    start: streamHandler(logger, 'process.Process/Start', async function* (request, context) {
      const user = requestUser(context, users, state);
      const config = request.process;
      if (!config) throw new EnvdError('INVALID_ARGUMENT', 'process config is required');
      const size = request.pty?.size;
      const process = await manager.start(
        {
          command: { cmd: config.cmd, args: config.args, envs: config.envs, cwd: config.cwd },
          tag: request.tag,
          // Unset means true: older clients expect a stdin pipe.
          stdin: request.stdin ?? true,
          pty: request.pty ? { cols: size?.cols ?? 0, rows: size?.rows ?? 0 } : undefined,
          timeoutMs: context.timeoutMs(),
        },
        user,
      );
      yield* followProcess(process, context);
    }),

    connect: streamHandler(logger, 'process.Process/Connect', async function* (request, context) {
      yield* followProcess(manager.getForConnect(toSelector(request.process)), context);
    }),

    list: unaryHandler(logger, 'process.Process/List', async () => ({
      processes: manager.list().map((p) => ({
        pid: p.pid,
        tag: p.tag,
        config: {
          cmd: p.command.cmd,
          args: [...p.command.args],
          envs: { ...p.command.envs },
          cwd: p.command.cwd,
        },
      })),
    })),

    sendInput: unaryHandler(logger, 'process.Process/SendInput', async (request) => {
      const { data, as } = inputOf(request.input);
      await manager.get(toSelector(request.process)).write(data, as);
      return {};
    }),

    streamInput: async (requests, context) => {
      const handle = unaryHandler(logger, 'process.Process/StreamInput', async () => {
        let target: ManagedProcess | undefined;
        for await (const request of requests) {
          const event = request.event;
          if (event.case === 'start') {
            target = manager.get(toSelector(event.value.process));
          } else if (event.case === 'data') {
            if (!target) throw new EnvdError('FAILED_PRECONDITION', 'the start event must come first');
            const { data, as } = inputOf(event.value.input);
            await target.write(data, as);
          } else if (event.case !== 'keepalive') {
            throw new EnvdError('UNIMPLEMENTED', 'invalid event type');
          }
        }
        return {};
      });
      return handle(undefined, context);
    },

    sendSignal: unaryHandler(logger, 'process.Process/SendSignal', async (request) => {
      const signal = SIGNALS.get(request.signal);
      if (!signal) throw new EnvdError('UNIMPLEMENTED', `invalid signal: ${request.signal}`);
      manager.get(toSelector(request.process)).signal(signal);
      return {};
    }),

    closeStdin: unaryHandler(logger, 'process.Process/CloseStdin', async (request) => {
      manager.get(toSelector(request.process)).closeStdin();
      return {};
    }),

    update: unaryHandler(logger, 'process.Process/Update', async (request) => {
      const process = manager.get(toSelector(request.process));
      const size = request.pty?.size;
      if (size) {
        if (size.cols < 1 || size.rows < 1)
          throw new EnvdError('INVALID_ARGUMENT', 'pty size must be at least 1x1');
        process.resize(size.cols, size.rows);
      }
      return {};
    }),
  };
}
