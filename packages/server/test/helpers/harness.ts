import { type ConfigInput, configSchema } from '../../src/config/index.js';
import { type SoulBoxServer, startServer } from '../../src/server.js';
import type { SandboxRecord } from '../../src/store/index.js';
import { createLogger } from '../../src/util/logger.js';

/** Data dir the integration tests share. */
export const TEST_DATA_DIR = process.env.SOULBOX_TEST_DATA_DIR ?? '/var/lib/soulbox-test';
/** Template cache (shared by every test data dir, so the base template is built once). */
export const TEST_TEMPLATES_DIR = process.env.SOULBOX_TEST_TEMPLATES_DIR ?? '/var/lib/soulbox-test/templates';
/**
 * Bridge and subnet of the test servers, `bridge:cidr`. Two test runs side by side need
 * different data dirs and networks, or they would share addresses and sandboxes.
 */
export const TEST_NETWORK = (() => {
  const [bridge, subnet] = (process.env.SOULBOX_TEST_NET ?? 'soulboxt0:10.251.0.0/16').split(':');
  return { bridge: bridge!, subnet: subnet! };
})();

/** Server settings the integration tests use: their own data dir, bridge and subnet; port 0. */
export function testConfig(overrides: ConfigInput = {}) {
  return configSchema.parse({
    dataDir: TEST_DATA_DIR,
    templatesDir: TEST_TEMPLATES_DIR,
    port: 0,
    logLevel: process.env.SOULBOX_TEST_LOG ?? 'warn',
    network: TEST_NETWORK,
    ...overrides,
  });
}

/** A server for one test file, plus what the E2B SDK needs to reach it. */
export interface TestServer {
  server: SoulBoxServer;
  url: string;
  apiKey: string;
  /** Options for the official e2b SDK (`Sandbox.create(opts)` etc.). */
  sdk: { apiKey: string; apiUrl: string; sandboxUrl: string };
  close(): Promise<void>;
}

/** Starts a SoulBox server in this process. close() kills every sandbox it still has. */
export async function startTestServer(overrides: ConfigInput = {}): Promise<TestServer> {
  const server = await startServer(testConfig(overrides), {
    logger: createLogger({ level: (process.env.SOULBOX_TEST_LOG as 'debug' | undefined) ?? 'warn' }),
  });
  const apiKey = server.adminKey!;
  return {
    server,
    url: server.url,
    apiKey,
    sdk: { apiKey, apiUrl: server.url, sandboxUrl: server.url },
    close: () => server.close({ killSandboxes: true, drainTimeoutMs: 500 }),
  };
}

/** Creates a sandbox directly through the manager (runtime tests that do not need the SDK). */
export function createSandbox(
  t: TestServer,
  opts: Partial<Parameters<SoulBoxServer['sandboxes']['create']>[0]> = {},
): Promise<SandboxRecord> {
  return t.server.sandboxes.create({
    templateId: 'base',
    tenantId: 'default',
    secure: true,
    networkMode: 'bridge',
    autoPause: false,
    ...opts,
  });
}

/** Runs a command in a sandbox; returns stdout, failing the test on a non-zero exit unless allowed. */
export async function sh(
  t: TestServer,
  id: string,
  command: string,
  opts: { user?: string; allowFailure?: boolean; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const r = await t.server.sandboxes.exec(id, command, {
    user: opts.user,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  if (r.exitCode !== 0 && !opts.allowFailure) {
    throw new Error(`'${command}' exited ${r.exitCode}: ${r.stderr || r.stdout}`);
  }
  return r;
}
