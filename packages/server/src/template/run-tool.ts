import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { TemplateBuildError } from './errors.js';
import type { TemplateBuildPhase } from './progress.js';

/** How many output lines a build error carries. */
export const OUTPUT_TAIL_LINES = 40;

/**
 * Where build tools are looked up. Fixed instead of `$PATH` because only the config module
 * reads the environment, and because `debootstrap` lives in `/usr/sbin`, which a non-login
 * PATH may lack.
 */
export const TOOL_SEARCH_PATH = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

/** The environment every build tool (and every chroot step) gets: nothing leaks in from the server. */
export const TOOL_ENV: Readonly<Record<string, string>> = {
  PATH: TOOL_SEARCH_PATH.join(':'),
  HOME: '/root',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  DEBIAN_FRONTEND: 'noninteractive',
  DEBCONF_NONINTERACTIVE_SEEN: 'true',
};

/** Absolute path of an executable in {@link TOOL_SEARCH_PATH}, or `undefined`. */
export function findTool(name: string): string | undefined {
  for (const dir of TOOL_SEARCH_PATH) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** Keeps the last `size` lines. */
export class LineTail {
  readonly #lines: string[] = [];
  readonly #size: number;

  constructor(size = OUTPUT_TAIL_LINES) {
    this.#size = size;
  }

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#size) this.#lines.shift();
  }

  lines(): string[] {
    return [...this.#lines];
  }
}

/** Splits a byte stream into lines; `\r` counts as a line end because apt and wget redraw with it. */
export function createLineSplitter(onLine: (line: string) => void): {
  write(chunk: string): void;
  end(): void;
} {
  let rest = '';
  return {
    write(chunk) {
      const parts = (rest + chunk).split(/\r\n|\n|\r/);
      rest = parts.pop() ?? '';
      for (const part of parts) if (part !== '') onLine(part);
    },
    end() {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}

export interface RunToolOptions {
  /** Absolute program path first, then its arguments. Never a shell string. */
  argv: readonly string[];
  template: string;
  phase: TemplateBuildPhase;
  /** What the step was doing, for the error message (`debootstrap bookworm`). */
  description: string;
  signal?: AbortSignal;
  /** Each line of stdout and stderr (both also go to the error tail). */
  onOutputLine?: (line: string) => void;
  /**
   * Each line written to fd 3. debootstrap (`--debian-installer`) and apt (`APT::Status-Fd=3`)
   * report machine-readable progress there. `note` adds a line to the error tail.
   */
  onStatusLine?: (line: string, note: (text: string) => void) => void;
}

/**
 * Runs one build tool to completion. It gets its own process group so that an abort can
 * SIGKILL the whole tree, and a non-zero exit becomes a {@link TemplateBuildError} with the
 * output tail. An abort rejects with the signal's reason.
 */
export function runTool(options: RunToolOptions): Promise<void> {
  const { argv, signal } = options;
  const tail = new LineTail();
  const fail = (summary: string, exitCode: number | null, cause?: unknown): TemplateBuildError =>
    new TemplateBuildError(summary, {
      template: options.template,
      phase: options.phase,
      exitCode,
      outputTail: tail.lines(),
      cause,
    });

  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const [program, ...args] = argv;
    if (program === undefined) throw new Error('runTool: empty argv');
    const child = spawn(program, args, {
      env: { ...TOOL_ENV },
      stdio: ['ignore', 'pipe', 'pipe', options.onStatusLine ? 'pipe' : 'ignore'],
      detached: true,
    });

    const kill = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    signal?.addEventListener('abort', kill, { once: true });

    const output = createLineSplitter((line) => {
      tail.push(line);
      options.onOutputLine?.(line);
    });
    child.stdout?.setEncoding('utf8').on('data', output.write);
    child.stderr?.setEncoding('utf8').on('data', output.write);
    // stdio[3] is typed as Readable | Writable; with 'pipe' it is the read end of our pipe.
    const statusStream = child.stdio[3] as Readable | null | undefined;
    const onStatusLine = options.onStatusLine;
    if (statusStream && onStatusLine) {
      const status = createLineSplitter((line) => onStatusLine(line, (text) => tail.push(text)));
      statusStream.setEncoding('utf8');
      statusStream.on('data', status.write);
      statusStream.on('end', status.end);
    }

    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', kill);
      output.end();
      if (signal?.aborted) {
        reject(signal.reason);
      } else if (spawnError) {
        reject(fail(`cannot run ${options.description}: ${spawnError.message}`, null, spawnError));
      } else if (code === 0) {
        resolve();
      } else if (code === null) {
        reject(fail(`${options.description} was killed by ${killedBy ?? 'a signal'}`, null));
      } else {
        reject(fail(`${options.description} failed`, code));
      }
    });
  });
}

/** Host tools that build the isolating namespaces, resolved once per build. */
export interface IsolationTools {
  setpriv: string;
  unshare: string;
}

/**
 * Wraps a command so that it runs in a private mount namespace and its own PID namespace:
 * every mount it (or debootstrap) makes lives only there, and the kernel tears all of
 * them down when the namespace's last process exits — even if the server is SIGKILLed.
 * `setpriv --pdeathsig` kills `unshare` when the server dies, and `--kill-child` takes the
 * namespace's init (and with it every process in it) along, so no build keeps running
 * orphaned.
 */
export function isolatedArgv(tools: IsolationTools, command: readonly string[]): string[] {
  return [
    tools.setpriv,
    '--pdeathsig',
    'KILL',
    '--',
    tools.unshare,
    '--mount',
    '--propagation',
    'private',
    '--pid',
    '--fork',
    '--kill-child',
    '--',
    ...command,
  ];
}
