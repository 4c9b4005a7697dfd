/**
 * `soulbox shell` driven through a real terminal (tmux): input is echoed by the sandbox's
 * shell, the window size follows a resize, Ctrl-C reaches the sandbox, and `exit` ends the
 * CLI cleanly with the shell's exit code.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../server/test/helpers/harness.js';
import { CLI_BIN, runCli, tempConfigDir } from '../helpers/cli-runner.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root (real sandboxes)' : hasTmux ? false : 'needs tmux';
const SOCKET = `soulbox-cli-test-${process.pid}`;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'cli');

async function waitForScreen(re: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = screen();
    if (re.test(s)) return s;
    if (Date.now() > deadline) throw new Error(`screen never matched ${re}:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('soulbox shell in a real terminal', { skip, timeout: 300_000 }, () => {
  let t: TestServer;
  let cfg: ReturnType<typeof tempConfigDir>;
  let id: string;

  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
    cfg = tempConfigDir();
    const env = { SOULBOX_URL: t.url, SOULBOX_API_KEY: t.apiKey, SOULBOX_CONFIG_DIR: cfg.dir };
    id = (await runCli(['sandbox', 'create'], { env })).stdout.trim();
    const shellEnv = Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    // The pane keeps the CLI's exit status on screen after it ends.
    tmux(
      'new-session',
      '-d',
      '-s',
      'cli',
      '-x',
      '100',
      '-y',
      '30',
      `env ${shellEnv} ${process.execPath} ${CLI_BIN} shell ${id}; echo "CLI-EXIT=$?"; sleep 600`,
    );
  });
  after(async () => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await t?.close();
    cfg?.cleanup();
  });

  it('echoes input, follows resizes, passes Ctrl-C, exits with the shell status', async () => {
    await waitForScreen(/user@\w+:~\$\s*$/m);
    tmux('send-keys', '-t', 'cli', 'echo "sum=$((20+22))"', 'Enter');
    await waitForScreen(/^sum=42$/m);
    tmux('send-keys', '-t', 'cli', 'stty size', 'Enter');
    await waitForScreen(/^30 100$/m);
    tmux('resize-window', '-t', 'cli', '-x', '120', '-y', '40');
    await new Promise((r) => setTimeout(r, 300));
    tmux('send-keys', '-t', 'cli', 'stty size', 'Enter');
    await waitForScreen(/^40 120$/m);
    tmux('send-keys', '-t', 'cli', 'sleep 300; echo not-interrupted', 'Enter');
    await new Promise((r) => setTimeout(r, 500));
    tmux('send-keys', '-t', 'cli', 'C-c');
    await waitForScreen(/\^C\s*\n.*user@\w+:~\$\s*$/m);
    tmux('send-keys', '-t', 'cli', 'exit 3', 'Enter');
    const s = await waitForScreen(/^CLI-EXIT=\d+$/m);
    assert.match(s, /^CLI-EXIT=3$/m);
    assert.doesNotMatch(s, /^not-interrupted$|soulbox:/m);
    // The shell is gone; the sandbox stays.
    const ps = await runCli(['exec', id, 'pgrep -c -x bash || true'], {
      env: { SOULBOX_URL: t.url, SOULBOX_API_KEY: t.apiKey, SOULBOX_CONFIG_DIR: cfg.dir },
    });
    assert.equal(ps.code, 0);
  });
});
