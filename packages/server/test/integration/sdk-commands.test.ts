import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { createSdkSandbox, killQuietly, rejection, SDKS, type SdkSandbox, waitFor } from '../helpers/sdk.js';

describe('SDK commands', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  for (const { version, sdk } of SDKS) {
    describe(`e2b ${version}`, () => {
      // One sandbox for the block: these scenarios do not depend on each other's state.
      let sbx: SdkSandbox;
      before(async () => {
        sbx = await createSdkSandbox(sdk, t);
      });
      after(async () => {
        if (sbx) await killQuietly(sdk, t, sbx.sandboxId);
      });

      it('streams stdout while the command runs', async () => {
        const chunks: { at: number; data: string }[] = [];
        const r = await sbx.commands.run('echo a; sleep 2; echo b', {
          onStdout: (data) => {
            chunks.push({ at: Date.now(), data });
          },
        });
        const done = Date.now();
        assert.equal(r.exitCode, 0);
        assert.equal(r.stdout, 'a\nb\n');
        assert.equal(chunks.map((c) => c.data).join(''), 'a\nb\n');
        assert.equal(chunks[0]?.data, 'a\n');
        assert.ok(
          done - chunks[0]!.at >= 1_000,
          `the first line arrived ${done - chunks[0]!.at} ms before the end, not at the end`,
        );
      });

      it('streams stderr separately', async () => {
        const err: string[] = [];
        const out: string[] = [];
        const r = await sbx.commands.run('echo to-out; echo to-err >&2', {
          onStdout: (d) => {
            out.push(d);
          },
          onStderr: (d) => {
            err.push(d);
          },
        });
        assert.equal(r.stdout, 'to-out\n');
        assert.equal(r.stderr, 'to-err\n');
        assert.equal(out.join(''), 'to-out\n');
        assert.equal(err.join(''), 'to-err\n');
      });

      it('throws CommandExitError with the exit code and output on a non-zero exit', async () => {
        const err = await rejection(sbx.commands.run('echo partial; echo broken >&2; exit 3'));
        assert.ok(err instanceof sdk.CommandExitError, `${err.name}: ${err.message}`);
        assert.equal(err.exitCode, 3);
        assert.equal(err.stdout, 'partial\n');
        assert.equal(err.stderr, 'broken\n');
        assert.match(err.message, /exit status 3/);
        const ok = await sbx.commands.run('true');
        assert.equal(ok.exitCode, 0);
      });

      it('applies per-command envs without keeping them for the next command', async () => {
        const r = await sbx.commands.run('echo "$SOULBOX_X:$SOULBOX_Y"', {
          envs: { SOULBOX_X: 'one', SOULBOX_Y: 'two words' },
        });
        assert.equal(r.stdout, 'one:two words\n');
        const next = await sbx.commands.run('test -z "$SOULBOX_X" && echo unset');
        assert.equal(next.stdout, 'unset\n');
      });

      it('runs in the requested cwd, /home/user by default, and refuses a missing one', async () => {
        assert.equal((await sbx.commands.run('pwd')).stdout, '/home/user\n');
        assert.equal((await sbx.commands.run('pwd', { cwd: '/tmp' })).stdout, '/tmp\n');
        await sbx.commands.run('mkdir -p /home/user/work/sub');
        assert.equal((await sbx.commands.run('pwd', { cwd: 'work/sub' })).stdout, '/home/user/work/sub\n');
        const err = await rejection(sbx.commands.run('pwd', { cwd: '/does/not/exist' }));
        assert.ok(err instanceof sdk.InvalidArgumentError, `${err.name}: ${err.message}`);
        assert.match(err.message, /does not exist/);
      });

      it('runs as user by default and as root on request', async () => {
        const asUser = await sbx.commands.run('whoami; id -u; echo "$HOME"; echo "$USER"');
        const [name, uid, home, userVar] = asUser.stdout.trim().split('\n');
        assert.equal(name, 'user');
        assert.notEqual(uid, '0');
        assert.equal(home, '/home/user');
        assert.equal(userVar, 'user');
        const asRoot = await sbx.commands.run('whoami; id -u; echo "$HOME"', { user: 'root' });
        assert.deepEqual(asRoot.stdout.trim().split('\n'), ['root', '0', '/root']);
        const explicitUser = await sbx.commands.run('whoami', { user: 'user' });
        assert.equal(explicitUser.stdout, 'user\n');
      });

      it('runs commands in a bash login shell', async () => {
        const r = await sbx.commands.run(
          'shopt -q login_shell && echo login; echo "$BASH"; echo "$BASH_VERSINFO"',
        );
        const [login, bash, major] = r.stdout.trim().split('\n');
        assert.equal(login, 'login', 'commands run as bash -l');
        assert.equal(bash, '/bin/bash');
        assert.match(major ?? '', /^\d+$/);
        const bashism = await sbx.commands.run('[[ abc == a* ]] && echo matched; echo $((2 ** 10))');
        assert.equal(bashism.stdout, 'matched\n1024\n', 'bash syntax works (not sh)');
      });

      it('runs a command in the background: list, connect, kill', async () => {
        const marker = `bg-${Date.now()}`;
        const handle = await sbx.commands.run(
          `for i in $(seq 1 600); do echo ${marker} $i; sleep 0.2; done`,
          { background: true },
        );
        assert.ok(handle.pid > 0);
        const listed = await sbx.commands.list();
        const info = listed.find((p) => p.pid === handle.pid);
        assert.ok(info, `commands.list() has pid ${handle.pid}: ${JSON.stringify(listed)}`);
        assert.equal(info.cmd, '/bin/bash');
        assert.ok(
          info.args.some((a) => a.includes(marker)),
          `args: ${JSON.stringify(info.args)}`,
        );

        const followed: string[] = [];
        const follower = await sbx.commands.connect(handle.pid, {
          onStdout: (d) => {
            followed.push(d);
          },
        });
        assert.equal(follower.pid, handle.pid);
        await waitFor('output through commands.connect', () =>
          followed.join('').includes(marker) ? true : undefined,
        );

        assert.equal(await sbx.commands.kill(handle.pid), true);
        const ended = await rejection(handle.wait());
        assert.ok(ended instanceof sdk.CommandExitError, `${ended.name}: ${ended.message}`);
        assert.notEqual(ended.exitCode, 0);
        assert.match(ended.message, /signal|killed/);
        await rejection(follower.wait());

        await waitFor('the killed process to leave commands.list()', async () =>
          (await sbx.commands.list()).some((p) => p.pid === handle.pid) ? undefined : true,
        );
        assert.equal(await sbx.commands.kill(handle.pid), false, 'killing it again finds nothing');
        assert.equal(await sbx.commands.kill(999_999), false, 'an unknown pid is not found');
      });

      it('sends stdin to a process started with stdin: true, and closes it', async () => {
        const out: string[] = [];
        const handle = await sbx.commands.run('cat', {
          background: true,
          stdin: true,
          onStdout: (d) => {
            out.push(d);
          },
        });
        try {
          await sbx.commands.sendStdin(handle.pid, 'first line\n');
          await waitFor('cat to echo the first line', () =>
            out.join('').includes('first line\n') ? true : undefined,
          );
          await handle.sendStdin('second line\n');
          await waitFor('cat to echo the second line', () =>
            out.join('').includes('second line\n') ? true : undefined,
          );
          await sbx.commands.closeStdin(handle.pid);
          const r = await handle.wait();
          assert.equal(r.exitCode, 0);
          assert.equal(r.stdout, 'first line\nsecond line\n');
        } finally {
          await sbx.commands.kill(handle.pid).catch(() => false);
        }
      });

      it('kills a command when its timeoutMs passes', async () => {
        const started = Date.now();
        const err = await rejection(sbx.commands.run('sleep 37', { timeoutMs: 2_000 }));
        assert.ok(err instanceof sdk.TimeoutError, `${err.name}: ${err.message}`);
        assert.ok(Date.now() - started < 30_000, 'the call returned before the command would have ended');
        await waitFor(
          'the timed-out process to be gone',
          async () => {
            const procs = await sbx.commands.list();
            if (procs.some((p) => p.args.some((a) => a.includes('sleep 37')))) return undefined;
            const ps = await sbx.commands.run("ps -eo args= | grep -cx 'sleep 37' || true", { user: 'root' });
            return ps.stdout.trim() === '0' ? true : undefined;
          },
          { timeoutMs: 10_000, intervalMs: 500 },
        );
      });
    });
  }
});
