import { spawn } from 'node:child_process';

/** Result of {@link run}. */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Options for {@link run}. */
export interface RunOptions {
  input?: string;
  /** Kill the command after this long. @default 60000 */
  timeoutMs?: number;
  /** Resolve instead of throwing on a non-zero exit. @default false */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Error thrown when a command exits non-zero. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    super(`${command} exited with ${result.code}: ${(result.stderr || result.stdout).trim().slice(-2000)}`);
  }
}

/** Runs a command with an argument array (never through a shell string) and collects its output. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 60_000,
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result: RunResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? (signal ? 128 : 1),
      };
      if (result.code !== 0 && !options.allowFailure)
        reject(new CommandError([cmd, ...args].join(' '), result));
      else resolve(result);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
