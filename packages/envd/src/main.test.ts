/**
 * The bundle as a program: config errors, and envd as PID 1 of a fresh PID namespace
 * (`unshare --pid --fork --mount-proc`, no container, no network namespace), started the
 * way the server starts it: through envd-launch, with its sockets and config on fds 3-5.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Process } from '@soulbox/proto';
import { HOST_SECRET_HEADER } from './contract.js';
import { launcherPath } from './index.js';
import {
  ensureBundleBuilt,
  hostHeaders,
  httpRequest,
  isRoot,
  TEST_HOST_SECRET,
  waitFor,
} from './testing/envd-fixture.js';
import { collect } from './testing/process-stream.js';

const hasUnshare = spawnSync('unshare', ['--version']).status === 0;

describe('envd.cjs', () => {
  let bundle: string;
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'envd-main-'));
    // Run a copy outside the repo, as the server does (/.soulbox/envd): proves the bundle is
    // self-contained (no fallback to the workspace's node_modules).
    bundle = join(root, 'envd-bundle');
    cpSync(ensureBundleBuilt(), bundle, { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Runs the bundle with `config` (a file) on fd 5, or nothing there. */
  const runWithConfig = (config: string | undefined) => {
    const fd = config === undefined ? 'ignore' : openSync(config, 'r');
    try {
      return spawnSync(process.execPath, [join(bundle, 'envd.cjs')], {
        env: { PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', fd],
        encoding: 'utf8',
        timeout: 10_000,
      });
    } finally {
      if (typeof fd === 'number') closeSync(fd);
    }
  };

  it('exits 2 with a message naming the setting on a bad config', () => {
    const config = join(root, 'bad.json');
    writeFileSync(
      config,
      JSON.stringify({ sandboxId: 'x', templateId: 'y', hostSecret: TEST_HOST_SECRET, colour: 'blue' }),
    );
    const run = runWithConfig(config);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /invalid envd config: colour: unknown setting/);
    assert.match(run.stdout, /"event":"envd.config_invalid"/);
    const missing = runWithConfig(undefined);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /config \(fd 5\)/);
  });

  it('exits 1 when fds 3 and 4 are not listening sockets', () => {
    const config = join(root, 'good.json');
    writeFileSync(config, JSON.stringify({ sandboxId: 'x', templateId: 'y', hostSecret: TEST_HOST_SECRET }));
    const run = runWithConfig(config);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /fd 3 is not a listening unix socket/);
  });

  describe('as PID 1', { skip: (!isRoot || !hasUnshare) && 'needs root and unshare' }, () => {
    let child: ChildProcess;
    let log = '';
    let socketDir: string;
    let apiSocket: string;
    let exited: Promise<number | null>;

    before(async () => {
      socketDir = join(root, 'sock');
      mkdirSync(socketDir, { mode: 0o700 });
      apiSocket = join(socketDir, 'envd.sock');
      const config = join(root, 'config.json');
      writeFileSync(
        config,
        JSON.stringify({
          sandboxId: 'pid1test',
          templateId: 'base',
          hostSecret: TEST_HOST_SECRET,
          defaultUser: 'root',
          defaultWorkdir: '/tmp',
          childOomScoreAdj: 300,
        }),
      );
      // --kill-child: if the test dies, the namespace and everything in it go too. A private
      // tmpfs on /run keeps envd's /run/e2b markers off the host; `exec` keeps envd PID 1.
      const script = `mount -t tmpfs tmpfs /run && exec "${process.execPath}" "${join(bundle, 'envd.cjs')}"`;
      child = spawn(
        launcherPath(),
        [
          apiSocket,
          join(socketDir, 'control.sock'),
          config,
          'unshare',
          '--pid',
          '--fork',
          '--mount-proc',
          '--propagation',
          'private',
          '--kill-child',
          'sh',
          '-c',
          script,
        ],
        { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (c: Buffer) => {
        log += c.toString();
      });
      child.stderr?.on('data', (c: Buffer) => {
        log += c.toString();
      });
      exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      await waitFor(() => log.includes('envd.started'), 10_000, 'envd');
    });

    after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });

    const client = () =>
      createClient(
        Process,
        createConnectTransport({
          baseUrl: 'http://localhost',
          httpVersion: '1.1',
          nodeOptions: { socketPath: apiSocket, agent: false },
          interceptors: [
            (next) => (req) => {
              req.header.set(HOST_SECRET_HEADER, TEST_HOST_SECRET);
              return next(req);
            },
          ],
        }),
      );
    const run = (script: string) =>
      collect(
        client().start({ process: { cmd: '/bin/bash', args: ['-c', script], envs: {} }, stdin: false }),
      );

    it('runs as PID 1 and serves the API', async () => {
      assert.match(log, /"isInit":true/);
      assert.equal((await httpRequest(apiSocket, '/health', { headers: hostHeaders })).status, 204);
      assert.equal((await httpRequest(apiSocket, '/health')).status, 401, 'the host secret is required');
      assert.equal(lstatSync(apiSocket).mode & 0o777, 0o600);
      const got = await run(
        'echo "$PPID $(cat /proc/self/oom_score_adj) $(umask) $(cat /run/e2b/.E2B_SANDBOX_ID)"',
      );
      assert.equal(got.stdout, '1 300 0022 pid1test\n');
      assert.ok(!existsSync('/run/e2b/.E2B_SANDBOX_ID'), 'markers must stay inside the namespace');
      // node-pty loads from the bundle's own node_modules.
      const pty = await collect(
        client().start({
          process: { cmd: '/bin/bash', args: ['-c', 'echo pty-ok; tty'], envs: {} },
          pty: { size: { cols: 80, rows: 24 } },
        }),
      );
      assert.match(pty.pty, /pty-ok\r\n\/dev\/pts\/\d+/);
    });

    it('reaps orphans without stealing the exit status of its own children', async () => {
      const orphan = await run('sleep 0.2 >/dev/null 2>&1 & echo $!');
      const pid = orphan.stdout.trim();
      await waitFor(() => log.includes(`"event":"pid1.reaped","pid":${pid}`), 5000, 'reap log');
      const gone = await run(`test -e /proc/${pid} && echo present || echo gone`);
      assert.equal(gone.stdout, 'gone\n');
      for (let i = 0; i < 5; i++) assert.equal((await run(`exit ${i + 1}`)).end?.exitCode, i + 1);
    });

    it('keeps the channel and the secret from its children, which stay dumpable', async () => {
      // Only stdio is open in a child (plus the fd ls itself opens): not the listening
      // sockets, not the config.
      const fds = await run('ls /proc/self/fd');
      assert.deepEqual(fds.stdout.trim().split(/\s+/).map(Number).sort(), [0, 1, 2, 3]);
      const leaks = await run(
        `env; cat /proc/self/cmdline; grep -rl ${TEST_HOST_SECRET} /proc/self/environ /tmp /run 2>/dev/null; true`,
      );
      assert.doesNotMatch(leaks.stdout, new RegExp(TEST_HOST_SECRET));
      const dumpable = await run(`python3 -c "import ctypes; print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))"`);
      assert.equal(dumpable.stdout.trim(), '1', 'children are dumpable after exec');
    });

    it('terminates children and exits 0 on SIGTERM', async () => {
      const stream = client().start({ process: { cmd: 'sleep', args: ['60'], envs: {} }, stdin: false });
      const ended = collect(stream).catch(() => undefined);
      await waitFor(() => log.includes('"cmd":"sleep"'), 5000, 'sleep to start');
      const envdPid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
      process.kill(envdPid, 'SIGTERM');
      assert.equal(await exited, 0);
      // Streams stay open until their processes are gone, so the client sees the end.
      const result = await ended;
      assert.equal(result?.end?.status, 'signal: terminated');
      assert.match(log, /"event":"envd.shutdown","signal":"SIGTERM"/);
      assert.ok(existsSync(apiSocket), "envd removes nothing: the socket files are the host's");
    });
  });
});
