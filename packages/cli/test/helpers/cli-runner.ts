import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, as `npx soulbox` runs it. */
export const CLI_BIN = fileURLToPath(new URL('../../bin/soulbox.js', import.meta.url));

/** What one CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * Spawns the built `soulbox` binary (never the sources: the test covers the shipped entry
 * point, its shebang wrapper and its exit codes). The environment is minimal and explicit.
 */
export function runCli(args: readonly string[], o: RunCliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() };
    for (const [k, v] of Object.entries(o.env ?? {})) if (v !== undefined) env[k] = v;
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env,
      cwd: o.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

/** A private config dir per test file, so that no test reads or writes the user's config. */
export function tempConfigDir(): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-cli-cfg-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
