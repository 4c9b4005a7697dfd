import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Exit of a child collected by {@link EnvdNative.waitpid}. */
export interface WaitStatus {
  readonly exitCode: number | null;
  readonly signal: number | null;
}

/** One raw inotify event. `name` is relative to the watched directory ("" for the dir itself). */
export interface InotifyEvent {
  readonly wd: number;
  readonly mask: number;
  readonly cookie: number;
  readonly name: string;
}

declare const inotifyHandleBrand: unique symbol;
/** Opaque handle of an inotify instance polled on Node's event loop. */
export type InotifyHandle = { readonly [inotifyHandleBrand]: true };

/** The addon `native/envd_native.c`. Errors carry `code` (errno name) and `errno`. */
export interface EnvdNative {
  /** waitpid(pid, WNOHANG): null while the child runs. Never call it for a child libuv owns. */
  waitpid(pid: number): WaitStatus | null;
  /** prctl(PR_SET_CHILD_SUBREAPER): orphans of our descendants get re-parented to us. */
  setChildSubreaper(): void;
  /** Returns null when the attribute does not exist. */
  getxattr(path: string, name: string): Buffer | null;
  setxattr(path: string, name: string, value: Buffer): void;
  listxattr(path: string): string[];
  /** A missing attribute is not an error. */
  removexattr(path: string, name: string): void;
  inotifyOpen(onEvents: (events: InotifyEvent[]) => void): InotifyHandle;
  inotifyAddWatch(handle: InotifyHandle, path: string, mask: number): number;
  inotifyRmWatch(handle: InotifyHandle, wd: number): void;
  inotifyClose(handle: InotifyHandle): void;
  /**
   * prctl(PR_SET_DUMPABLE). Non-dumpable: no ptrace and no /proc/<pid>/{fd,mem,environ} for
   * anyone without CAP_SYS_PTRACE. Kept across fork, reset by execve.
   */
  setDumpable(flag: boolean): void;
  /** prctl(PR_GET_DUMPABLE) != 0. */
  isDumpable(): boolean;
  /** Sets FD_CLOEXEC, so children never inherit the descriptor. */
  setCloexec(fd: number): void;
  /** True when `fd` is a listening AF_UNIX stream socket. */
  isListeningUnixSocket(fd: number): boolean;
}

/** File names of the native build outputs (see scripts/build-native.mjs). */
export const NATIVE_ADDON_FILE = 'envd_native.node';
export const EXEC_HELPER_FILE = 'envd-exec';

/**
 * Directory holding the native outputs. In the bundle that is the bundle directory itself
 * (`/.soulbox/envd` in a sandbox); from source or dist it is `packages/envd/bundle`.
 */
export function nativeDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, '..', '..', 'bundle')];
  for (const dir of candidates) {
    if (existsSync(join(dir, NATIVE_ADDON_FILE))) return dir;
  }
  throw new Error(
    `envd native addon not found (looked in ${candidates.join(', ')}); run: node packages/envd/scripts/build-native.mjs`,
  );
}

let loaded: EnvdNative | undefined;

/** Loads the addon once. */
export function loadNative(dir: string = nativeDir()): EnvdNative {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = require(join(dir, NATIVE_ADDON_FILE)) as EnvdNative;
  }
  return loaded;
}
