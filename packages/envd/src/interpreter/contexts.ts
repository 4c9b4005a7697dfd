import { randomUUID } from 'node:crypto';
import { EnvdError } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { describeKernelExit, type Kernel, KernelDiedError, type KernelOutput } from './kernel.js';
import type { LaunchKernel } from './kernel-launcher.js';
import { DEFAULT_LANGUAGES, type Language, normalizeLanguage } from './languages.js';

/** A context as the API shows it. */
export interface ContextInfo {
  readonly id: string;
  readonly language: Language;
  readonly cwd: string;
}

/** One execution request. */
export interface ExecuteRequest {
  readonly code: string;
  /** Set for this execution only, then restored to the sandbox value or removed. */
  readonly envVars: Readonly<Record<string, string>>;
  /** Aborted when the client went away: the cell is interrupted. */
  readonly signal: AbortSignal;
}

export interface Contexts {
  list(): ContextInfo[];
  /** Starts a kernel; resolves once it answers. @throws EnvdError */
  create(language: string | undefined, cwd: string | undefined): Promise<ContextInfo>;
  /** @throws EnvdError NOT_FOUND */
  get(id: string): ContextInfo;
  /** The default context of a language, created on first use. @throws EnvdError */
  forLanguage(language: string | undefined): Promise<ContextInfo>;
  /** Waits until the context's kernel is up (start-up or restart). @throws EnvdError */
  whenReady(id: string): Promise<void>;
  /**
   * Runs a cell; outputs go to `onOutput` in order. Never throws for kernel trouble: a dead
   * kernel becomes an `error` output (and the kernel is restarted).
   */
  execute(id: string, request: ExecuteRequest, onOutput: (output: KernelOutput) => void): Promise<void>;
  /** A fresh kernel with the same id, language and cwd; state is gone. @throws EnvdError */
  restart(id: string): Promise<void>;
  /** @throws EnvdError NOT_FOUND */
  remove(id: string): Promise<void>;
  /** Kills every kernel. */
  close(): Promise<void>;
}

export interface ContextsOptions {
  readonly launch: LaunchKernel;
  readonly state: SandboxState;
  readonly logger: Logger;
  /** @default "/home/user" (upstream's default, whatever the sandbox's workdir) */
  readonly defaultCwd?: string;
  /**
   * After an interrupt, how long a cell may take to stop before the kernel is restarted.
   * @default 5000
   */
  readonly interruptGraceMs?: number;
}

interface Context {
  readonly info: ContextInfo;
  kernel: Promise<Kernel>;
  /** Serialises executions: each one chains on the previous. */
  queue: Promise<void>;
  /** The sandbox env vars the kernel has, to push only changes (e.g. after a pool claim's /init). */
  appliedEnv: Record<string, string>;
  /** Receives the kernel's raw fd 1/2 output while a cell runs. */
  rawSink: ((output: KernelOutput) => void) | undefined;
  /** The last raw stderr, for start-up failure messages. */
  rawTail: string;
  /** Told to the next execution: the kernel died while idle. */
  notice: string | undefined;
  removed: boolean;
}

const RAW_TAIL_CHARS = 2000;

/** Keeps contexts (one kernel each), their default per language, and their executions. */
export function createContexts(options: ContextsOptions): Contexts {
  const { launch, state, logger } = options;
  const defaultCwd = options.defaultCwd ?? '/home/user';
  const graceMs = options.interruptGraceMs ?? 5000;
  const contexts = new Map<string, Context>();
  const defaults = new Map<Language, Promise<Context>>();
  let closed = false;

  const find = (id: string): Context => {
    const ctx = contexts.get(id);
    if (!ctx) throw new EnvdError('NOT_FOUND', `Context ${id} not found`);
    return ctx;
  };

  /** Starts (or restarts) the kernel of a context and watches it for crashes. */
  const startKernel = (ctx: Context): Promise<Kernel> => {
    ctx.appliedEnv = state.envVars();
    ctx.rawTail = '';
    const started = launch(ctx.info.language, ctx.info.cwd, (stream, text) => {
      if (stream === 'stderr') ctx.rawTail = (ctx.rawTail + text).slice(-RAW_TAIL_CHARS);
      if (ctx.rawSink) ctx.rawSink({ type: stream, text });
      else
        logger.info('interpreter.kernel_output', {
          contextId: ctx.info.id,
          stream,
          text: text.slice(0, 500),
        });
    }).catch((error: unknown) => {
      // A bad request (a cwd that does not exist) stays what it is: a 400.
      if (error instanceof EnvdError && error.code === 'INVALID_ARGUMENT') throw error;
      const tail = ctx.rawTail.trim();
      const reason = error instanceof Error ? error.message : String(error);
      throw new EnvdError(
        'INTERNAL',
        `could not start the ${ctx.info.language} kernel: ${reason}${tail ? `\n${tail}` : ''}`,
        { cause: error },
      );
    });
    ctx.kernel = started;
    void started.then(
      (kernel) =>
        kernel.exited.then((exit) => {
          // A deliberate kill (restart, remove, close) replaced or dropped the kernel first.
          if (closed || ctx.removed || ctx.kernel !== started) return;
          logger.warn('interpreter.kernel_died', { contextId: ctx.info.id, exit: describeKernelExit(exit) });
          ctx.notice = `The ${ctx.info.language} kernel died (${describeKernelExit(exit)}) and was restarted; its state was lost.\n`;
          startKernel(ctx).catch(() => {});
        }),
      () => {},
    );
    return started;
  };

  const make = (language: Language, cwd: string): Context => {
    const ctx: Context = {
      info: { id: randomUUID(), language, cwd },
      kernel: Promise.reject(new Error('not started')),
      queue: Promise.resolve(),
      appliedEnv: {},
      rawSink: undefined,
      rawTail: '',
      notice: undefined,
      removed: false,
    };
    ctx.kernel.catch(() => {});
    contexts.set(ctx.info.id, ctx);
    startKernel(ctx).catch(() => {});
    return ctx;
  };

  const defaultContext = (language: Language): Promise<Context> => {
    let ctx = defaults.get(language);
    if (!ctx) {
      const created = make(language, defaultCwd);
      ctx = Promise.resolve(created);
      defaults.set(language, ctx);
    }
    return ctx;
  };

  const killKernel = async (kernel: Promise<Kernel>) => {
    try {
      await (await kernel).kill();
    } catch {
      // It never started, or it is gone already.
    }
  };

  /** Pushes env var changes; returns how to undo the per-request ones. */
  const applyEnv = async (ctx: Context, kernel: Kernel, requestEnv: Readonly<Record<string, string>>) => {
    const sandboxEnv = state.envVars();
    const set: Record<string, string> = {};
    for (const [k, v] of Object.entries(sandboxEnv)) if (ctx.appliedEnv[k] !== v) set[k] = v;
    const unset = Object.keys(ctx.appliedEnv).filter((k) => !(k in sandboxEnv));
    Object.assign(set, requestEnv);
    if (Object.keys(set).length > 0 || unset.length > 0) await kernel.setEnv(set, unset);
    ctx.appliedEnv = sandboxEnv;
    return async () => {
      const restore: Record<string, string> = {};
      const remove: string[] = [];
      for (const k of Object.keys(requestEnv)) {
        if (k in sandboxEnv) restore[k] = sandboxEnv[k] as string;
        else remove.push(k);
      }
      if (Object.keys(restore).length > 0 || remove.length > 0) await kernel.setEnv(restore, remove);
    };
  };

  const run = async (ctx: Context, request: ExecuteRequest, onOutput: (o: KernelOutput) => void) => {
    const kernelPromise = ctx.kernel;
    let kernel: Kernel;
    try {
      kernel = await kernelPromise;
    } catch (error) {
      onOutput({ type: 'error', name: 'KernelStartError', value: (error as Error).message, traceback: '' });
      return;
    }
    if (ctx.notice) {
      onOutput({ type: 'stderr', text: ctx.notice });
      ctx.notice = undefined;
    }
    if (request.signal.aborted) return;
    ctx.rawSink = onOutput;
    let finished = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (finished) return;
      kernel.interrupt();
      // A cell that ignores the interrupt (a C loop, a swallowed KeyboardInterrupt) would
      // block the context for good: replace the kernel after a grace period.
      graceTimer = setTimeout(() => {
        if (finished || ctx.kernel !== kernelPromise || ctx.removed) return;
        logger.warn('interpreter.interrupt_timeout', { contextId: ctx.info.id, graceMs });
        startKernel(ctx).catch(() => {});
        void kernel.kill();
      }, graceMs);
    };
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const restoreEnv = await applyEnv(ctx, kernel, request.envVars);
      await kernel.execute(request.code, onOutput);
      await restoreEnv();
    } catch (error) {
      if (!(error instanceof KernelDiedError)) throw error;
      onOutput({
        type: 'error',
        name: 'DeadKernelError',
        value: `${error.message}. The context was restarted.`,
        traceback: '',
      });
      // The crash watcher has started a new kernel unless this was a deliberate restart.
      ctx.notice = undefined;
    } finally {
      finished = true;
      clearTimeout(graceTimer);
      ctx.rawSink = undefined;
      request.signal.removeEventListener('abort', onAbort);
    }
  };

  const api: Contexts = {
    list: () => [...contexts.values()].map((c) => c.info),

    async create(language, cwd) {
      const ctx = make(normalizeLanguage(language), cwd || defaultCwd);
      try {
        await ctx.kernel;
      } catch (error) {
        contexts.delete(ctx.info.id);
        ctx.removed = true;
        throw error;
      }
      return ctx.info;
    },

    get: (id) => find(id).info,

    async forLanguage(language) {
      return (await defaultContext(normalizeLanguage(language))).info;
    },

    async whenReady(id) {
      const ctx = find(id);
      try {
        await ctx.kernel;
      } catch {
        // A kernel that failed to start (at boot, say) gets another chance on each request.
        await startKernel(ctx);
      }
    },

    execute(id, request, onOutput) {
      const ctx = find(id);
      const turn = ctx.queue.then(() => run(ctx, request, onOutput));
      ctx.queue = turn.catch(() => {});
      return turn;
    },

    async restart(id) {
      const ctx = find(id);
      const old = ctx.kernel;
      const next = startKernel(ctx);
      await killKernel(old);
      await next;
    },

    async remove(id) {
      const ctx = find(id);
      ctx.removed = true;
      contexts.delete(id);
      for (const [language, d] of defaults) if ((await d) === ctx) defaults.delete(language);
      await killKernel(ctx.kernel);
    },

    async close() {
      closed = true;
      await Promise.all([...contexts.values()].map((c) => killKernel(c.kernel)));
      contexts.clear();
      defaults.clear();
    },
  };

  // Warm kernels for the languages most cells use, so the first execution does not wait.
  for (const language of DEFAULT_LANGUAGES) void defaultContext(language);
  return api;
}
