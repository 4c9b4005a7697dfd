/**
 * The `soulbox` binary against a real server: create → exec (exit codes pass through) →
 * cp a directory both ways → logs → kill, plus the other sandbox verbs, login/config, and
 * the one-line errors (no server, wrong key, unknown id).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../server/test/helpers/harness.js';
import { type RunCliOptions, runCli, tempConfigDir } from '../helpers/cli-runner.js';

/** A loopback port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

const skip = process.getuid?.() !== 0 ? 'needs root (real sandboxes)' : false;

describe('soulbox CLI: sandboxes', { skip, timeout: 600_000 }, () => {
  let t: TestServer;
  let cfg: ReturnType<typeof tempConfigDir>;
  let work: string;
  let env: Record<string, string>;
  const cli = (args: string[], o: RunCliOptions = {}) => runCli(args, { ...o, env: { ...env, ...o.env } });

  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
    cfg = tempConfigDir();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-cli-work-'));
    env = { SOULBOX_URL: t.url, SOULBOX_API_KEY: t.apiKey, SOULBOX_CONFIG_DIR: cfg.dir };
  });
  after(async () => {
    await t?.close();
    cfg?.cleanup();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('create → exec → cp both ways → logs → kill', async () => {
    const created = await cli(['sandbox', 'create', '--json', '--metadata', 'suite=cli']);
    assert.equal(created.code, 0, created.stderr);
    const { sandboxId } = JSON.parse(created.stdout) as { sandboxId: string };
    assert.match(sandboxId, /^[a-z0-9]{20}$/);

    // exec streams output and passes the exit code through.
    const hello = await cli(['exec', sandboxId, '--', 'echo', 'hello from', 'the cli']);
    assert.equal(hello.code, 0, hello.stderr);
    assert.equal(hello.stdout, 'hello from the cli\n');
    const failing = await cli(['exec', sandboxId, 'echo to-stderr >&2; exit 7']);
    assert.equal(failing.code, 7);
    assert.equal(failing.stderr, 'to-stderr\n');
    const json = await cli(['exec', '--json', sandboxId, '--', 'sh', '-c', 'echo out; exit 3']);
    assert.equal(json.code, 3);
    assert.deepEqual(JSON.parse(json.stdout), {
      exitCode: 3,
      stdout: 'out\n',
      stderr: '',
      error: 'exit status 3',
    });

    // cp a directory in and out; bytes must be equal.
    const src = path.join(work, 'dir');
    fs.mkdirSync(path.join(src, 'nested', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'alpha\n');
    fs.writeFileSync(path.join(src, 'nested', 'blob.bin'), crypto.randomBytes(3 * 1024 * 1024 + 17));
    fs.writeFileSync(path.join(src, 'nested', 'deeper', 'empty'), '');
    fs.symlinkSync('a.txt', path.join(src, 'link'));
    const up = await cli(['cp', src, `${sandboxId}:/home/user/dir`]);
    assert.equal(up.code, 0, up.stderr);
    const ls = await cli([
      'exec',
      sandboxId,
      'cd /home/user/dir && find . | sort && stat -c %U nested/blob.bin',
    ]);
    assert.equal(
      ls.stdout,
      '.\n./a.txt\n./link\n./nested\n./nested/blob.bin\n./nested/deeper\n./nested/deeper/empty\nuser\n',
    );
    const back = path.join(work, 'back');
    const down = await cli(['cp', '--json', `${sandboxId}:/home/user/dir`, back]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(JSON.parse(down.stdout).destination, back);
    for (const f of ['a.txt', 'nested/blob.bin', 'nested/deeper/empty'])
      assert.ok(fs.readFileSync(path.join(src, f)).equals(fs.readFileSync(path.join(back, f))), f);
    assert.equal(fs.readlinkSync(path.join(back, 'link')), 'a.txt');
    // A second copy into an existing directory lands inside it, as with docker cp.
    assert.equal((await cli(['cp', `${sandboxId}:/home/user/dir/a.txt`, back])).code, 0);
    const into = await cli(['cp', src, `${sandboxId}:/home/user/dir`]);
    assert.equal(into.code, 0, into.stderr);
    assert.equal((await cli(['exec', sandboxId, 'cat /home/user/dir/dir/a.txt'])).stdout, 'alpha\n');

    // logs: lifecycle, envd's process events and the commands' output.
    const logs = await cli(['logs', sandboxId]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /\[lifecycle\] sandbox created from template base/);
    assert.match(logs.stdout, /\[envd\] process \d+ started as user: \/bin\/bash -l -c .*hello from/);
    assert.match(logs.stdout, /\[pid \d+ stdout\] hello from the cli/);
    assert.match(logs.stdout, /WARN {2}\[pid \d+ stderr\] to-stderr/);
    assert.match(logs.stdout, /\[envd\] process \d+ ended: exit status 7/);
    const ndjson = (await cli(['logs', '--json', sandboxId])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(ndjson.every((e) => typeof e.seq === 'number' && typeof e.fields.source === 'string'));

    // logs -f follows live and ends when the sandbox is killed.
    const follow = cli(['logs', '-f', sandboxId]);
    await new Promise((r) => setTimeout(r, 500));
    await cli(['exec', sandboxId, 'echo while-following']);
    const killed = await cli(['sandbox', 'kill', sandboxId]);
    assert.equal(killed.code, 0, killed.stderr);
    assert.equal(killed.stdout, `killed ${sandboxId}\n`);
    const followed = await follow;
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /\[pid \d+ stdout\] while-following/);
    assert.match(followed.stdout, /\[lifecycle\] sandbox killed/);

    const gone = await cli(['sandbox', 'info', sandboxId]);
    assert.equal(gone.code, 1);
    assert.equal(
      gone.stderr,
      `soulbox: Sandbox "${sandboxId}" doesn't exist or you don't have access to it\n`,
    );
  });

  it('list, info, pause, resume and timeout', async () => {
    const id = (await cli(['sandbox', 'create', '--timeout', '120', '-e', 'GREETING=hi'])).stdout.trim();
    try {
      const list = await cli(['sandbox', 'list']);
      assert.match(list.stdout, /^SANDBOX ID\s+TEMPLATE\s+STATE/);
      assert.match(list.stdout, new RegExp(`${id}\\s+base\\s+running`));
      const listed = JSON.parse((await cli(['sandbox', 'ls', '--json'])).stdout) as { sandboxID: string }[];
      assert.ok(listed.some((s) => s.sandboxID === id));
      assert.match((await cli(['sandbox', 'info', id])).stdout, /State:\s+running/);
      assert.equal((await cli(['exec', id, 'echo $GREETING'])).stdout, 'hi\n');
      assert.equal((await cli(['sandbox', 'pause', id])).code, 0);
      assert.equal(JSON.parse((await cli(['sandbox', 'info', id, '--json'])).stdout).state, 'paused');
      assert.equal((await cli(['sandbox', 'resume', id, '--timeout', '60'])).code, 0);
      const timeout = await cli(['sandbox', 'timeout', id, '30', '--json']);
      assert.equal(timeout.code, 0, timeout.stderr);
      const endAt = Date.parse(JSON.parse((await cli(['sandbox', 'info', id, '--json'])).stdout).endAt);
      assert.ok(endAt - Date.now() < 31_000 && endAt - Date.now() > 20_000);
      const logs = await cli(['logs', id]);
      assert.match(logs.stdout, /\[lifecycle\] sandbox paused[\s\S]*\[lifecycle\] sandbox resumed/);
    } finally {
      await cli(['sandbox', 'kill', id]);
    }
  });

  it('login and config store the endpoint and key in the config dir', async () => {
    const login = await cli(['login'], { env: { SOULBOX_API_KEY: undefined }, input: `${t.apiKey}\n` });
    assert.equal(login.code, 0, login.stderr);
    const file = path.join(cfg.dir, 'config.json');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { url: t.url, apiKey: t.apiKey });
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    // With only the config file, the CLI still reaches the server.
    const bare = { SOULBOX_URL: undefined, SOULBOX_API_KEY: undefined };
    assert.equal((await cli(['sandbox', 'list', '--json'], { env: bare })).code, 0);
    const shown = await cli(['config'], { env: bare });
    assert.match(shown.stdout, /url: +http:\/\/127\.0\.0\.1:\d+ +\(config\)/);
    assert.doesNotMatch(shown.stdout, new RegExp(t.apiKey));
    assert.equal((await cli(['config', 'set', 'url', 'http://127.0.0.1:9'], { env: bare })).code, 0);
    assert.equal((await cli(['config', 'get', 'url'], { env: bare })).stdout, 'http://127.0.0.1:9\n');
    assert.match((await cli(['sandbox', 'list', '--url', t.url], { env: bare })).stderr, /^$|no sandboxes/);
    assert.equal((await cli(['config', 'unset', 'apiKey'], { env: bare })).code, 0);
    const noKey = await cli(['sandbox', 'list'], { env: bare });
    assert.equal(noKey.code, 1);
    assert.equal(
      noKey.stderr,
      'soulbox: no API key: pass --api-key, set SOULBOX_API_KEY, or run `soulbox login`\n',
    );
    const badLogin = await cli(
      ['login', '--api-key', 'e2b_0000000000000000000000000000000000000000', '--url', t.url],
      {
        env: bare,
      },
    );
    assert.equal(badLogin.code, 1);
    assert.equal(badLogin.stderr.split('\n').length, 2, 'one line');
  });

  it('errors are one clear line and a non-zero exit', async () => {
    const closed = await closedPort();
    const noServer = await cli(['sandbox', 'list', '--url', `http://127.0.0.1:${closed}`]);
    assert.equal(noServer.code, 1);
    assert.equal(
      noServer.stderr,
      `soulbox: cannot reach the SoulBox server at http://127.0.0.1:${closed} (ECONNREFUSED)\n`,
    );
    const wrongKey = await cli(['sandbox', 'list'], {
      env: { SOULBOX_API_KEY: 'e2b_0123456789abcdef0123456789abcdef01234567' },
    });
    assert.equal(wrongKey.code, 1);
    assert.match(
      wrongKey.stderr,
      /^soulbox: the server refused the API key \(.+\); check --api-key, SOULBOX_API_KEY or `soulbox login`\n$/,
    );
    for (const args of [
      ['sandbox', 'info', 'nosuchsandbox0000000'],
      ['exec', 'nosuchsandbox0000000', '--', 'true'],
      ['logs', 'nosuchsandbox0000000'],
      ['sandbox', 'kill', 'nosuchsandbox0000000'],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(
        r.stderr,
        'soulbox: Sandbox "nosuchsandbox0000000" doesn\'t exist or you don\'t have access to it\n',
      );
    }
    const usage = await cli(['sandbox', 'create', '--timeout', 'soon']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /--timeout must be a positive integer/);
    const badCp = await cli(['cp', 'a', 'b']);
    assert.equal(badCp.code, 1);
    assert.match(badCp.stderr, /^soulbox: exactly one of <source> and <destination>/);
  });
});
