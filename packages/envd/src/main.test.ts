/**
 * The bundle as a program: config errors, and envd as PID 1 of a fresh PID namespace
 * (`unshare --pid --fork --mount-proc`, no container, no network namespace).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Process } from '@soulbox/proto';
import { ensureBundleBuilt, httpRequest, isRoot, waitFor } from './testing/envd-fixture.js';
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

  it('exits 2 with a message naming the setting on a bad config', () => {
    const config = join(root, 'bad.json');
    writeFileSync(config, JSON.stringify({ sandboxId: 'x', templateId: 'y', colour: 'blue' }));
    const run = spawnSync(process.execPath, [join(bundle, 'envd.cjs')], {
      env: { PATH: process.env.PATH, SOULBOX_ENVD_CONFIG: config },
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /invalid envd config: colour: unknown setting/);
    assert.match(run.stdout, /"event":"envd.config_invalid"/);

    const missing = spawnSync(process.execPath, [join(bundle, 'envd.cjs')], {
      env: { PATH: process.env.PATH, SOULBOX_ENVD_CONFIG: join(root, 'nope.json') },
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(missing.status, 2);
  });

  describe('as PID 1', { skip: (!isRoot || !hasUnshare) && 'needs root and unshare' }, () => {
    let child: ChildProcess;
    let log = '';
    let socketDir: string;
    let exited: Promise<number | null>;

    before(async () => {
      socketDir = join(root, 'sock');
      mkdirSync(socketDir);
      const config = join(root, 'config.json');
      writeFileSync(
        config,
        JSON.stringify({
          sandboxId: 'pid1test',
          templateId: 'base',
          socketDir,
          defaultUser: 'root',
          defaultWorkdir: '/tmp',
          childOomScoreAdj: 300,
        }),
      );
      // --kill-child: if the test dies, the namespace and everything in it go too. A private
      // tmpfs on /run keeps envd's /run/e2b markers off the host; `exec` keeps envd PID 1.
      const script = `mount -t tmpfs tmpfs /run && exec "${process.execPath}" "${join(bundle, 'envd.cjs')}"`;
      child = spawn(
        'unshare',
        ['--pid', '--fork', '--mount-proc', '--propagation', 'private', '--kill-child', 'sh', '-c', script],
        { env: { PATH: process.env.PATH, SOULBOX_ENVD_CONFIG: config }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (c: Buffer) => {
        log += c.toString();
      });
      child.stderr?.on('data', (c: Buffer) => {
        log += c.toString();
      });
      exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      await waitFor(
        () => existsSync(join(socketDir, 'envd.sock')) && log.includes('envd.started'),
        10_000,
        'envd',
      );
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
          nodeOptions: { socketPath: join(socketDir, 'envd.sock'), agent: false },
        }),
      );
    const run = (script: string) =>
      collect(
        client().start({ process: { cmd: '/bin/bash', args: ['-c', script], envs: {} }, stdin: false }),
      );

    it('runs as PID 1 and serves the API', async () => {
      assert.match(log, /"isInit":true/);
      assert.equal((await httpRequest(join(socketDir, 'envd.sock'), '/health')).status, 204);
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
      assert.ok(!existsSync(join(socketDir, 'envd.sock')), 'socket removed on shutdown');
    });
  });
});
