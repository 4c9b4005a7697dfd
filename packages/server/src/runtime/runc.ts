import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SoulBoxError } from '../errors/index.js';
import { CommandError, run } from '../util/exec.js';

/** A container as the OCI runtime reports it. */
export interface ContainerState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
}

/** Options for {@link createRuncDriver}. */
export interface RuncDriverOptions {
  /** Runtime binary (runc, crun, runsc ...). @default 'runc' */
  binary?: string;
  /** `--root` state directory; unset = the runtime's default. */
  root?: string;
}

/** Extras of {@link RuncDriver.run}. */
export interface RuncRunOptions {
  /**
   * A program that prepares descriptors 3… and then executes the runtime: spawned as
   * `command ...args <runtime> run ...` (envd-launch).
   */
  via?: { command: string; args: readonly string[] };
  /** Descriptors after stdio passed into the container (`--preserve-fds`). @default 0 */
  preserveFds?: number;
}

/** Drives an OCI runtime CLI. Every call is an argument array; ids are validated by the caller. */
export interface RuncDriver {
  readonly binary: string;
  /**
   * Creates and starts a container detached; its stdout/stderr go to `logFd`. Resolves with
   * the host pid of the container's init once started.
   */
  run(id: string, bundleDir: string, logFd: number, opts?: RuncRunOptions): Promise<number>;
  kill(id: string, signal?: string): Promise<void>;
  /** Force-deletes a container; no error when it does not exist. */
  delete(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  state(id: string): Promise<ContainerState | undefined>;
  list(): Promise<ContainerState[]>;
  /** Checks the binary runs; throws RUNTIME_UNAVAILABLE otherwise. */
  version(): Promise<string>;
}

function readTail(fd: number, bytes = 4096): string {
  const size = fs.fstatSync(fd).size;
  const buf = Buffer.alloc(Math.min(bytes, size));
  fs.readSync(fd, buf, 0, buf.length, size - buf.length);
  return buf.toString('utf8');
}

/** Creates the driver for an OCI runtime CLI. */
export function createRuncDriver(options: RuncDriverOptions = {}): RuncDriver {
  const binary = options.binary ?? 'runc';
  const global = options.root ? ['--root', options.root] : [];
  const call = async (args: string[], timeoutMs = 30_000) => {
    try {
      return await run(binary, [...global, ...args], { timeoutMs });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new SoulBoxError('RUNTIME_UNAVAILABLE', `the OCI runtime '${binary}' is not installed`, {
          cause: err,
        });
      }
      throw err;
    }
  };
  const notExist = (err: unknown) =>
    err instanceof CommandError && /does not exist|not exist|container not found/i.test(err.result.stderr);

  return {
    binary,
    run(id, bundleDir, logFd, opts = {}) {
      return new Promise((resolve, reject) => {
        const pidFile = path.join(bundleDir, 'init.pid');
        // The container inherits runc's stdio, so both go to the log file: a pipe here would be
        // held open by the sandbox for its whole life. runc's own errors land there too.
        // --no-new-keyring: keyctl is refused inside anyway, and per-container session keyrings
        // would exhaust the key quota of the host uid all sandboxes share.
        const args = [
          ...global,
          'run',
          '--detach',
          '--no-new-keyring',
          ...(opts.preserveFds ? ['--preserve-fds', String(opts.preserveFds)] : []),
          '--pid-file',
          pidFile,
          '--bundle',
          bundleDir,
          id,
        ];
        const child = opts.via
          ? spawn(opts.via.command, [...opts.via.args, binary, ...args], { stdio: ['ignore', logFd, logFd] })
          : spawn(binary, args, { stdio: ['ignore', logFd, logFd] });
        child.on('error', (e) =>
          reject(
            (e as NodeJS.ErrnoException).code === 'ENOENT'
              ? new SoulBoxError(
                  'RUNTIME_UNAVAILABLE',
                  opts.via
                    ? `${opts.via.command} is missing (run npm run build)`
                    : `the OCI runtime '${binary}' is not installed`,
                  { cause: e },
                )
              : e,
          ),
        );
        child.on('exit', (code) => {
          if (code === 0) {
            resolve(Number(fs.readFileSync(pidFile, 'utf8')));
            return;
          }
          const tail = readTail(logFd);
          const msg =
            /msg="([^"]*)"/.exec(
              tail
                .split('\n')
                .reverse()
                .find((l) => l.includes('msg=')) ?? '',
            )?.[1] ?? tail;
          reject(new SoulBoxError('SANDBOX_START_FAILED', `${binary} run failed: ${msg.trim()}`));
        });
      });
    },
    async kill(id, signal = 'KILL') {
      try {
        await call(['kill', '--all', id, signal]);
      } catch (err) {
        if (
          !notExist(err) &&
          !(err instanceof CommandError && /not running|stopped/i.test(err.result.stderr))
        )
          throw err;
      }
    },
    async delete(id) {
      try {
        await call(['delete', '--force', id]);
      } catch (err) {
        if (!notExist(err)) throw err;
      }
    },
    async pause(id) {
      await call(['pause', id]);
    },
    async resume(id) {
      await call(['resume', id]);
    },
    async state(id) {
      try {
        const r = await call(['state', id]);
        return JSON.parse(r.stdout) as ContainerState;
      } catch (err) {
        if (notExist(err)) return undefined;
        throw err;
      }
    },
    async list() {
      // `runc list` stats every container's state dir; one deleted meanwhile (by another
      // server on this host) makes it fail, so try again.
      let r: Awaited<ReturnType<typeof call>> | undefined;
      for (let attempt = 0; !r; attempt++) {
        try {
          r = await call(['list', '--format', 'json']);
        } catch (err) {
          if (attempt >= 4 || !(err instanceof CommandError && /no such file/i.test(err.result.stderr)))
            throw err;
        }
      }
      const parsed = JSON.parse(r.stdout || 'null') as ContainerState[] | null;
      return parsed ?? [];
    },
    async version() {
      const r = await call(['--version'], 5000);
      return r.stdout.split('\n')[0] ?? '';
    },
  };
}
