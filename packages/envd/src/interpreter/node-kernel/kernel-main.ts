/**
 * envd's Node kernel (bundled to js-kernel.cjs): one process per JavaScript/TypeScript
 * context, run as the sandbox user on the same node binary as envd. Cells run in the
 * process's own global scope (so values from `require`d modules and from cells share one
 * realm) after cell-transform.ts; state lives on as globals between cells.
 * Interrupts arrive as SIGINT: a synchronous loop is broken by V8 (breakOnSigint), a
 * pending `await` is abandoned.
 */
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { types } from 'node:util';
import { Script } from 'node:vm';
import { CellSyntaxError, RUNTIME, transformCell } from './cell-transform.js';
import { bundleOf, createDisplay } from './display.js';
import { type HostCommand, type KernelMessage, PROTOCOL_FD, TYPESCRIPT_FLAG } from './kernel-protocol.js';

const typescript = process.argv.includes(TYPESCRIPT_FLAG);
const channel = new Socket({ fd: PROTOCOL_FD, readable: true, writable: true });
const send = (message: KernelMessage): void => {
  channel.write(`${JSON.stringify(message)}\n`);
};
// envd closing the channel means the context is gone.
channel.on('close', () => process.exit(0));
channel.on('error', () => process.exit(0));

/** The execution whose output console.log etc. belongs to. */
let current: number | undefined;
let executionCount = 0;

// Everything user code prints through process.stdout/stderr goes to the running cell, in
// order with its results; output while no cell runs is written to the real fd as before.
for (const name of ['stdout', 'stderr'] as const) {
  const stream = process[name];
  const original = stream.write.bind(stream) as (chunk: string | Uint8Array) => boolean;
  stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (current === undefined) return original(chunk);
    const text =
      typeof chunk === 'string'
        ? chunk
        : Buffer.from(chunk).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    send({ t: 'stream', id: current, name, text });
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  }) as typeof stream.write;
}

const requireFromCwd = () => createRequire(join(process.cwd(), '[cell]'));

/** Loads a module for `import` in a cell: CommonJS through require, ESM through import(). */
async function importModule(specifier: string): Promise<unknown> {
  const req = requireFromCwd();
  try {
    return req(specifier);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
    return import(pathToFileURL(req.resolve(specifier)).href);
  }
}

const display = createDisplay((bundle) => {
  if (current !== undefined) send({ t: 'result', id: current, bundle, main: false });
});

Object.defineProperty(globalThis, RUNTIME, {
  value: {
    import: importModule,
    default: (m: unknown) =>
      types.isModuleNamespaceObject(m) || (typeof m === 'object' && m !== null && '__esModule' in m)
        ? (m as { default?: unknown }).default
        : m,
    m: undefined,
  },
  writable: false,
  enumerable: false,
});
Object.defineProperty(globalThis, 'require', { get: requireFromCwd, configurable: true, enumerable: false });
Object.defineProperty(globalThis, 'display', {
  value: display,
  writable: true,
  configurable: true,
  enumerable: false,
});

/** Rejects the pending cell when SIGINT arrives while it awaits. */
let interruptPending: ((error: Error) => void) | undefined;
process.on('SIGINT', () => {
  const error = new Error('Execution interrupted');
  error.name = 'KeyboardInterrupt';
  error.stack = 'KeyboardInterrupt: Execution interrupted';
  interruptPending?.(error);
});
// A REPL survives errors thrown from callbacks; so does this kernel.
const report = (error: unknown) => {
  const text = `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
  process.stderr.write(`Uncaught ${text}`);
};
process.on('uncaughtException', report);
process.on('unhandledRejection', report);

/** A stack without the kernel's own frames: everything from the vm call down is ours. */
function userStack(error: Error): string {
  const lines = (error.stack ?? `${error.name}: ${error.message}`).split('\n');
  const ours = lines.findIndex((line) =>
    /\bnode:vm:|sigintHandlersWrap|js-kernel\.cjs|kernel-main\.ts/.test(line),
  );
  return (ours > 0 ? lines.slice(0, ours) : lines).join('\n');
}

function describeError(error: unknown): { name: string; value: string; traceback: string } {
  if (error instanceof CellSyntaxError) {
    return { name: error.name, value: error.message, traceback: `${error.name}: ${error.message}` };
  }
  if (error instanceof Error) {
    const interrupted = (error as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
    const name = interrupted ? 'KeyboardInterrupt' : error.name;
    return {
      name,
      value: error.message,
      traceback: interrupted ? `${name}: ${error.message}` : userStack(error),
    };
  }
  return { name: 'Error', value: String(error), traceback: `Uncaught ${String(error)}` };
}

async function stripTypes(code: string): Promise<string> {
  const { transform } = await import('sucrase');
  return transform(code, { transforms: ['typescript'], disableESTransforms: true, keepUnusedImports: true })
    .code;
}

async function execute(id: number, code: string): Promise<void> {
  executionCount++;
  send({ t: 'count', id, count: executionCount });
  current = id;
  try {
    const js = typescript ? await stripTypes(code) : code;
    const script = new Script(transformCell(js), {
      filename: `cell-${executionCount}.${typescript ? 'ts' : 'js'}`,
    });
    const interrupted = new Promise<never>((_, reject) => {
      interruptPending = reject;
    });
    const value: unknown = await Promise.race([
      script.runInThisContext({ breakOnSigint: true, displayErrors: false }) as Promise<unknown>,
      interrupted,
    ]);
    if (value !== undefined) send({ t: 'result', id, bundle: bundleOf(value), main: true });
  } catch (error) {
    send({ t: 'error', id, ...describeError(error) });
  } finally {
    interruptPending = undefined;
    current = undefined;
    send({ t: 'done', id });
  }
}

function applyEnv(id: number, set: Readonly<Record<string, string>>, unset: readonly string[]): void {
  Object.assign(process.env, set);
  for (const name of unset) delete process.env[name];
  send({ t: 'done', id });
}

// Commands run one at a time, in arrival order.
let queue = Promise.resolve();
createInterface({ input: channel, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
  let command: HostCommand;
  try {
    command = JSON.parse(line) as HostCommand;
  } catch {
    return;
  }
  queue = queue.then(() =>
    command.t === 'execute'
      ? execute(command.id, command.code)
      : applyEnv(command.id, command.set, command.unset),
  );
});
send({ t: 'ready' });
