/**
 * The line protocol between envd and its Node kernel, one JSON object per line on the
 * kernel's fd 3 (a socketpair, so both directions share it). stdin, stdout and stderr stay
 * what they are for any process: output written straight to fd 1/2 (by child processes of
 * the user's code) is still captured, as plain stream output.
 */

/** envd → kernel. */
export type HostCommand =
  | { readonly t: 'execute'; readonly id: number; readonly code: string }
  | {
      readonly t: 'env';
      readonly id: number;
      readonly set: Readonly<Record<string, string>>;
      readonly unset: readonly string[];
    };

/** kernel → envd. Everything after `ready` answers a command `id`. */
export type KernelMessage =
  | { readonly t: 'ready' }
  | { readonly t: 'count'; readonly id: number; readonly count: number }
  | { readonly t: 'stream'; readonly id: number; readonly name: 'stdout' | 'stderr'; readonly text: string }
  | {
      readonly t: 'result';
      readonly id: number;
      readonly bundle: Readonly<Record<string, unknown>>;
      readonly main: boolean;
    }
  | {
      readonly t: 'error';
      readonly id: number;
      readonly name: string;
      readonly value: string;
      readonly traceback: string;
    }
  | { readonly t: 'done'; readonly id: number };

/** The fd of the protocol socket in the kernel process. */
export const PROTOCOL_FD = 3;

/** Kernel argv flag selecting TypeScript (types stripped before each cell runs). */
export const TYPESCRIPT_FLAG = '--typescript';
