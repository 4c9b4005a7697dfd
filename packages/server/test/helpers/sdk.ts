import * as e2bCurrent from 'e2b';
import * as e2bLegacy from 'e2b-2-39';
import type { TestServer } from './harness.js';

/** The official SDK module, as the tests use it. */
export type Sdk = typeof e2bCurrent;
/** A sandbox handle of the SDK. */
export type SdkSandbox = e2bCurrent.Sandbox;
/** Options of `Sandbox.create` (besides the connection options the harness gives). */
export type SdkCreateOpts = e2bCurrent.SandboxOpts;

/**
 * The pinned SDK versions every scenario runs against:
 * - 2.51.0: `POST /v2/sandboxes`, `POST /v2/sandboxes/{id}/connect`;
 * - 2.39.0: `POST /sandboxes`, `POST /sandboxes/{id}/connect`, client-side API-key shape check.
 *
 * Both are the unchanged published packages. TypeScript treats classes with private members
 * nominally, so 2.39's `Sandbox` never type-checks as 2.51's even where the public API is the
 * same; the tests are typed against 2.51 and use only API that 2.39 has as well (a call 2.39
 * lacked would fail at run time in its block, not pass silently).
 */
export const SDKS: readonly { version: string; sdk: Sdk }[] = [
  { version: '2.51.0', sdk: e2bCurrent },
  { version: '2.39.0', sdk: e2bLegacy as unknown as Sdk },
];

/** Connection options for the SDK: always explicit, never from process.env. */
export function conn(t: TestServer) {
  return { apiKey: t.sdk.apiKey, apiUrl: t.sdk.apiUrl, sandboxUrl: t.sdk.sandboxUrl };
}

/** Creates a sandbox through the SDK with the harness's connection options. */
export function createSdkSandbox(sdk: Sdk, t: TestServer, opts: SdkCreateOpts = {}): Promise<SdkSandbox> {
  return sdk.Sandbox.create({ ...conn(t), ...opts });
}

/** Runs `fn` with a fresh sandbox and kills the sandbox afterwards, whatever happens. */
export async function withSandbox<T>(
  sdk: Sdk,
  t: TestServer,
  opts: SdkCreateOpts,
  fn: (sbx: SdkSandbox) => Promise<T>,
): Promise<T> {
  const sbx = await createSdkSandbox(sdk, t, opts);
  try {
    return await fn(sbx);
  } finally {
    await killQuietly(sdk, t, sbx.sandboxId);
  }
}

/** Kills a sandbox, ignoring errors (cleanup paths must not hide the test's own failure). */
export async function killQuietly(sdk: Sdk, t: TestServer, sandboxId: string): Promise<void> {
  try {
    await sdk.Sandbox.kill(sandboxId, conn(t));
  } catch {
    // Already gone, or the server is closing; t.close() is the backstop.
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sets environment variables for the duration of `fn` (undefined = unset), then restores them. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(vars)) {
    saved.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Headers that route a plain HTTP request to a port of a sandbox through the data plane. */
export function sandboxHeaders(sandboxId: string, port: number): Record<string, string> {
  return { 'E2b-Sandbox-Id': sandboxId, 'E2b-Sandbox-Port': String(port) };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A random lower-case tag, to keep one run's metadata apart from another's. */
export function uniqueTag(): string {
  return Math.random().toString(36).slice(2, 10);
}
