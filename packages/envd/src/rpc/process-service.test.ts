import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { Signal } from '@soulbox/proto';
import {
  basicAuth,
  defaultAccount,
  isAlive,
  isRoot,
  startTestEnvd,
  type TestEnvd,
  waitFor,
} from '../testing/envd-fixture.js';
import { collect, emptyCollected, readUntil } from '../testing/process-stream.js';

const bash = (script: string) => ({ cmd: '/bin/bash', args: ['-c', script], envs: {} });

async function expectConnectError(
  promise: Promise<unknown>,
  code: Code,
  message?: RegExp,
): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    const ce = ConnectError.from(error);
    assert.equal(Code[ce.code], Code[code], `expected ${Code[code]}, got ${Code[ce.code]}: ${ce.rawMessage}`);
    if (message) assert.match(ce.rawMessage, message);
    return ce;
  }
  assert.fail(`expected ConnectError ${Code[code]}`);
}

describe('process.Process', () => {
  let t: TestEnvd;
  before(async () => {
    t = await startTestEnvd({ envVars: { FOO: 'sandbox', SHARED: 'from-sandbox' } });
  });
  after(async () => {
    await t.close();
  });

  it('sends start first, streams output before the process exits, then one end', async () => {
    const started = Date.now();
    const iterator = t.process
      .start({ process: bash('echo first; sleep 1; echo second'), stdin: false })
      [Symbol.asyncIterator]();
    const got = await readUntil(iterator, emptyCollected(), (c) => c.stdout.includes('first'));
    assert.equal(got.order[0], 'start');
    assert.ok(got.pid > 0);
    assert.ok(!got.order.includes('end'), 'first line must arrive while the process still runs');
    assert.ok(Date.now() - started < 900, 'first line arrived late');
    await readUntil(iterator, got, () => false);
    assert.equal(got.stdout, 'first\nsecond\n');
    assert.equal(got.order.filter((k) => k === 'end').length, 1);
    assert.equal(got.order.at(-1), 'end');
    assert.deepEqual(
      {
        exitCode: got.end?.exitCode,
        exited: got.end?.exited,
        status: got.end?.status,
        error: got.end?.error,
      },
      { exitCode: 0, exited: true, status: 'exit status 0', error: undefined },
    );
  });

  it('reports exit codes and stderr like Go', async () => {
    const got = await collect(t.process.start({ process: bash('echo oops >&2; exit 3'), stdin: false }));
    assert.equal(got.stderr, 'oops\n');
    assert.equal(got.end?.exitCode, 3);
    assert.equal(got.end?.exited, true);
    assert.equal(got.end?.status, 'exit status 3');
    assert.equal(got.end?.error, 'exit status 3');
  });

  it('writes stdin and closes it', async () => {
    const iterator = t.process
      .start({ process: { cmd: 'cat', args: [], envs: {} }, stdin: true })
      [Symbol.asyncIterator]();
    const got = await readUntil(iterator, emptyCollected(), (c) => c.pid > 0);
    await t.process.sendInput({
      process: { selector: { case: 'pid', value: got.pid } },
      input: { input: { case: 'stdin', value: Buffer.from('hello\n') } },
    });
    await readUntil(iterator, got, (c) => c.stdout === 'hello\n');
    await t.process.closeStdin({ process: { selector: { case: 'pid', value: got.pid } } });
    await readUntil(iterator, got, () => false);
    assert.equal(got.end?.exitCode, 0);
  });

  it('gives /dev/null as stdin when stdin is false', async () => {
    const got = await collect(t.process.start({ process: { cmd: 'cat', args: [], envs: {} }, stdin: false }));
    assert.equal(got.end?.exitCode, 0);
    assert.equal(got.stdout, '');
  });

  it('opens a stdin pipe when stdin is unset (backward compatibility)', async () => {
    const iterator = t.process.start({ process: { cmd: 'cat', args: [], envs: {} } })[Symbol.asyncIterator]();
    const got = await readUntil(iterator, emptyCollected(), (c) => c.pid > 0);
    const pid = { selector: { case: 'pid' as const, value: got.pid } };
    await t.process.sendInput({ process: pid, input: { input: { case: 'stdin', value: Buffer.from('x') } } });
    await readUntil(iterator, got, (c) => c.stdout === 'x');
    await expectConnectError(
      t.process.sendInput({ process: pid, input: { input: { case: 'pty', value: Buffer.from('x') } } }),
      Code.FailedPrecondition,
      /tty not assigned/,
    );
    await t.process.closeStdin({ process: pid });
    await readUntil(iterator, got, () => false);
    assert.equal(got.end?.exitCode, 0);
  });

  it('delivers SIGKILL and SIGTERM with Go-style end events', async () => {
    for (const [signal, status] of [
      [Signal.SIGKILL, 'signal: killed'],
      [Signal.SIGTERM, 'signal: terminated'],
    ] as const) {
      const iterator = t.process
        .start({ process: { cmd: 'sleep', args: ['30'], envs: {} }, stdin: false })
        [Symbol.asyncIterator]();
      const got = await readUntil(iterator, emptyCollected(), (c) => c.pid > 0);
      await t.process.sendSignal({ process: { selector: { case: 'pid', value: got.pid } }, signal });
      await readUntil(iterator, got, () => false);
      assert.equal(got.end?.exitCode, -1);
      assert.equal(got.end?.exited, false);
      assert.equal(got.end?.status, status);
      assert.equal(got.end?.error, status);
    }
  });

  it('answers not_found and unimplemented for bad signal requests', async () => {
    await expectConnectError(
      t.process.sendSignal({ process: { selector: { case: 'pid', value: 999999 } }, signal: Signal.SIGKILL }),
      Code.NotFound,
      /^process with pid 999999 not found$/,
    );
    const iterator = t.process
      .start({ process: { cmd: 'sleep', args: ['30'], envs: {} }, stdin: false })
      [Symbol.asyncIterator]();
    const got = await readUntil(iterator, emptyCollected(), (c) => c.pid > 0);
    const pid = { selector: { case: 'pid' as const, value: got.pid } };
    await expectConnectError(
      t.process.sendSignal({ process: pid, signal: Signal.UNSPECIFIED }),
      Code.Unimplemented,
    );
    await t.process.sendSignal({ process: pid, signal: Signal.SIGKILL });
    await readUntil(iterator, got, () => false);
  });

  it('kills the process when the Connect-Timeout-Ms deadline passes', async () => {
    let pid = 0;
    const stream = t.process.start(
      { process: { cmd: 'sleep', args: ['30'], envs: {} }, stdin: false },
      { timeoutMs: 400 },
    );
    await expectConnectError(
      (async () => {
        for await (const m of stream) if (m.event?.event.case === 'start') pid = m.event.event.value.pid;
      })(),
      Code.DeadlineExceeded,
    );
    assert.ok(pid > 0);
    await waitFor(() => !isAlive(pid), 3000, 'timed-out process to die');
    // A late Connect still learns how it ended.
    const late = await collect(t.process.connect({ process: { selector: { case: 'pid', value: pid } } }));
    assert.deepEqual(late.order, ['start', 'end']);
    assert.equal(late.end?.status, 'signal: killed');
  });

  it('keeps the process running when the client disconnects, and Connect follows it', async () => {
    const abort = new AbortController();
    const iterator = t.process
      .start(
        { process: bash('sleep 0.6; echo tick; sleep 30'), stdin: false, tag: 'background-job' },
        { signal: abort.signal },
      )
      [Symbol.asyncIterator]();
    const got = await readUntil(iterator, emptyCollected(), (c) => c.pid > 0);
    abort.abort();
    await assert.rejects(iterator.next());
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(isAlive(got.pid), 'disconnect must not kill the process');
    const listed = await t.process.list({});
    const entry = listed.processes.find((p) => p.pid === got.pid);
    assert.equal(entry?.tag, 'background-job');
    assert.equal(entry?.config?.cmd, '/bin/bash');

    const follow = t.process.connect({ process: { selector: { case: 'tag', value: 'background-job' } } });
    const followed = follow[Symbol.asyncIterator]();
    const live = await readUntil(followed, emptyCollected(), (c) => c.stdout.includes('tick'));
    assert.equal(live.order[0], 'start');
    assert.equal(live.pid, got.pid);
    await t.process.sendSignal({
      process: { selector: { case: 'tag', value: 'background-job' } },
      signal: Signal.SIGKILL,
    });
    await readUntil(followed, live, () => false);
    assert.equal(live.end?.status, 'signal: killed');
  });

  it('sends keepalives while idle', async () => {
    const got = await collect(
      t.process.start(
        { process: { cmd: 'sleep', args: ['1.3'], envs: {} }, stdin: false },
        { headers: { 'Keepalive-Ping-Interval': '1' } },
      ),
    );
    assert.ok(got.keepalives >= 1, `expected a keepalive, got ${got.order.join(',')}`);
    assert.equal(got.order.at(-1), 'end');
  });

  it('builds the environment from PATH, the user, sandbox env vars and request envs (not remembered)', async () => {
    const script =
      'echo "$FOO|$SHARED|$REQ|$HOME|$USER|$LOGNAME|$E2B_SANDBOX|$E2B_SANDBOX_ID|$([ -n "$PATH" ] && echo path)"';
    const first = await collect(
      t.process.start({
        process: { cmd: '/bin/bash', args: ['-c', script], envs: { REQ: 'req', SHARED: 'from-request' } },
        stdin: false,
      }),
    );
    const { home, name } = defaultAccount;
    assert.equal(first.stdout, `sandbox|from-request|req|${home}|${name}|${name}|true|testsandbox|path\n`);
    const second = await collect(t.process.start({ process: bash(script), stdin: false }));
    assert.equal(second.stdout, `sandbox|from-sandbox||${home}|${name}|${name}|true|testsandbox|path\n`);
  });

  it('merges /init env vars into later processes', async () => {
    const init = await t.control('/init', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ envVars: { LATE: 'yes' } }),
    });
    assert.equal(init.status, 204);
    const got = await collect(t.process.start({ process: bash('echo $LATE'), stdin: false }));
    assert.equal(got.stdout, 'yes\n');
  });

  it('resolves cwd: default workdir, home-relative paths, missing dirs', async () => {
    const dflt = await collect(t.process.start({ process: bash('pwd'), stdin: false }));
    assert.equal(dflt.stdout, `${t.workDir}\n`);
    const abs = await collect(
      t.process.start({ process: { ...bash('pwd'), cwd: '/tmp/../usr' }, stdin: false }),
    );
    assert.equal(abs.stdout, '/usr\n');
    await expectConnectError(
      collect(t.process.start({ process: { ...bash('pwd'), cwd: 'no-such-dir' }, stdin: false })),
      Code.InvalidArgument,
      new RegExp(`^cwd '${defaultAccount.home}/no-such-dir' does not exist$`),
    );
  });

  it('runs as the user named by Basic auth, with its groups and home', {
    skip: !isRoot && 'needs root',
  }, async () => {
    const got = await collect(
      t.process.start(
        { process: bash('echo "$(id -u) $(id -g) $(id -G) $HOME $USER"'), stdin: false },
        { headers: basicAuth('nobody') },
      ),
    );
    assert.equal(got.stdout, '65534 65534 65534 /nonexistent nobody\n');
    await expectConnectError(
      collect(t.process.start({ process: bash('true'), stdin: false }, { headers: basicAuth('nosuchuser') })),
      Code.Unauthenticated,
      /invalid username: 'nosuchuser'/,
    );
  });

  it('does not wait for a background grandchild that keeps the pipes open', async () => {
    const started = Date.now();
    const got = await collect(t.process.start({ process: bash('sleep 30 & echo $!'), stdin: false }));
    const grandchild = Number(got.stdout.trim());
    try {
      assert.equal(got.end?.exitCode, 0);
      assert.ok(Date.now() - started < 1500, 'end must not wait for the grandchild');
    } finally {
      process.kill(grandchild, 'SIGKILL');
    }
  });

  it('delivers large output completely', async () => {
    const got = await collect(
      t.process.start({ process: bash('head -c 3000000 /dev/zero | base64 -w 0'), stdin: false }),
    );
    assert.equal(got.stdout.length, 4_000_000);
    assert.equal(got.end?.exitCode, 0);
  });

  it('late Connect to a finished process still gets start and end', async () => {
    const done = await collect(t.process.start({ process: bash('exit 7'), stdin: false }));
    const late = await collect(
      t.process.connect({ process: { selector: { case: 'pid', value: done.pid } } }),
    );
    assert.deepEqual(late.order, ['start', 'end']);
    assert.equal(late.end?.exitCode, 7);
    await expectConnectError(
      collect(t.process.connect({ process: { selector: { case: 'pid', value: 999999 } } })),
      Code.NotFound,
    );
  });

  it('runs a PTY: echo, resize, pty output, and refuses stdin-style calls', async () => {
    const iterator = t.process
      .start({
        process: {
          cmd: '/bin/bash',
          args: ['--norc', '--noprofile', '-i'],
          envs: { TERM: 'xterm-256color', PS1: '$ ' },
        },
        pty: { size: { cols: 80, rows: 24 } },
      })
      [Symbol.asyncIterator]();
    const got = await readUntil(iterator, emptyCollected(), (c) => c.pid > 0);
    const pid = { selector: { case: 'pid' as const, value: got.pid } };
    const type = (text: string) =>
      t.process.sendInput({ process: pid, input: { input: { case: 'pty', value: Buffer.from(text) } } });

    await type('stty size; echo "term=$TERM"\n');
    await readUntil(iterator, got, (c) => c.pty.includes('24 80') && c.pty.includes('term=xterm-256color'));
    assert.ok(got.order.includes('pty'));
    assert.equal(got.stdout, '');

    await t.process.update({ process: pid, pty: { size: { cols: 100, rows: 30 } } });
    await type('stty size\n');
    await readUntil(iterator, got, (c) => c.pty.includes('30 100'));

    await expectConnectError(
      t.process.sendInput({ process: pid, input: { input: { case: 'stdin', value: Buffer.from('x') } } }),
      Code.FailedPrecondition,
    );
    await expectConnectError(t.process.closeStdin({ process: pid }), Code.FailedPrecondition, /Ctrl\+D/);

    await type('exit 5\n');
    await readUntil(iterator, got, () => false);
    assert.equal(got.end?.exitCode, 5);
  });
});

describe('process.Process child OOM score', () => {
  it('writes childOomScoreAdj before the command runs', { skip: !isRoot && 'needs root' }, async () => {
    const t = await startTestEnvd({ childOomScoreAdj: 500 });
    try {
      const got = await collect(
        t.process.start({ process: bash('cat /proc/self/oom_score_adj'), stdin: false }),
      );
      assert.equal(got.stdout, '500\n');
    } finally {
      await t.close();
    }
  });
});
