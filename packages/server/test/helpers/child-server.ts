import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_DATA_DIR, TEST_NETWORK, TEST_TEMPLATES_DIR } from './harness.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** A SoulBox server running as a separate process (so a test can kill it hard). */
export interface ChildServer {
  proc: ChildProcess;
  url: string;
  apiKey: string;
  output(): string;
  /** SIGKILL, no cleanup: what a crash looks like. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `soulbox-server` (from source, through tsx) with the integration-test settings. */
export async function startChildServer(extra: Record<string, unknown> = {}): Promise<ChildServer> {
  const cfgFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-cfg-')), 'config.json');
  fs.writeFileSync(
    cfgFile,
    JSON.stringify({
      dataDir: TEST_DATA_DIR,
      templatesDir: TEST_TEMPLATES_DIR,
      port: 0,
      logLevel: 'warn',
      network: TEST_NETWORK,
      // A pool would leave sandboxes running after the child stops; pool tests use in-process servers.
      pool: { enabled: false },
      ...extra,
    }),
  );
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', cfgFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 300_000;
  while (!/E2B_API_KEY=\S+/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /running at (\S+)/.exec(out)![1]!;
  // The key is printed only when it is made; later starts name the file that holds it.
  const printed = /Admin API key: (e2b_[0-9a-f]+)/.exec(out)?.[1];
  const keyFile = /Admin API key: in (\S+)/.exec(out)?.[1];
  const apiKey = printed ?? fs.readFileSync(keyFile ?? path.join(TEST_DATA_DIR, 'admin-key'), 'utf8').trim();
  return {
    proc,
    url,
    apiKey,
    output: () => out,
    async crash() {
      proc.kill('SIGKILL');
      await exited;
      fs.rmSync(path.dirname(cfgFile), { recursive: true, force: true });
    },
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      fs.rmSync(path.dirname(cfgFile), { recursive: true, force: true });
    },
  };
}
