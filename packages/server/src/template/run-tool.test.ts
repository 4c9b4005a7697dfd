import assert from 'node:assert/strict';
import { readFileSync, rmdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TemplateBuildError } from './errors.js';
import { createLineSplitter, findTool, isolatedArgv, runTool } from './run-tool.js';

const base = { template: 'base', phase: 'apt' as const, description: 'the test tool' };
const isRoot = process.getuid?.() === 0;

/** Running and not a zombie (a killed orphan may wait for a reaper that never comes in a container). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('runTool', () => {
  it('splits output on \\n, \\r\\n and \\r', () => {
    const lines: string[] = [];
    const split = createLineSplitter((l) => lines.push(l));
    split.write('a\nb\r\nc');
    split.write('\rd\n\ne');
    split.end();
    assert.deepEqual(lines, ['a', 'b', 'c', 'd', 'e']);
  });

  it('resolves on exit 0 and feeds fd 3 to the status handler', async () => {
    const status: string[] = [];
    await runTool({
      ...base,
      argv: ['/bin/sh', '-c', 'echo out; echo status-line >&3'],
      onStatusLine: (line) => status.push(line),
    });
    assert.deepEqual(status, ['status-line']);
  });

  it('fails with the phase, the exit code and the last 40 lines', async () => {
    const err = await runTool({
      ...base,
      argv: ['/bin/sh', '-c', 'for i in $(seq 1 100); do echo line $i; done; echo oops >&2; exit 3'],
    }).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TemplateBuildError);
    assert.equal(err.code, 'TEMPLATE_BUILD_FAILED');
    assert.equal(err.phase, 'apt');
    assert.equal(err.exitCode, 3);
    assert.equal(err.outputTail.length, 40);
    assert.equal(err.outputTail.at(-1), 'oops');
    assert.match(err.message, /phase apt \(exit code 3\): the test tool failed/);
    assert.match(err.message, /line 100/);
  });

  it('reports a program that cannot be started', async () => {
    await assert.rejects(runTool({ ...base, argv: ['/nonexistent/tool'] }), /cannot run the test tool/);
  });

  it('kills the whole process tree on abort and rejects with the reason', async () => {
    const controller = new AbortController();
    let grandchild = 0;
    const running = runTool({
      ...base,
      argv: ['/bin/sh', '-c', 'sleep 60 & echo $! >&3; wait'],
      signal: controller.signal,
      onStatusLine: (line) => {
        grandchild = Number(line);
      },
    });
    while (grandchild === 0) await sleep(10);
    controller.abort(new Error('stop now'));
    await assert.rejects(running, /stop now/);
    await sleep(50);
    assert.equal(alive(grandchild), false);
  });
});

describe('isolatedArgv', { skip: isRoot ? false : 'needs root (namespaces)' }, () => {
  const tools = { setpriv: findTool('setpriv') ?? 'setpriv', unshare: findTool('unshare') ?? 'unshare' };

  it('keeps mounts private and takes them down with the process', async () => {
    const marker = `/tmp/soulbox-isolate-${process.pid}`;
    const controller = new AbortController();
    let ready = false;
    const running = runTool({
      ...base,
      argv: isolatedArgv(tools, [
        '/bin/sh',
        '-c',
        'mkdir -p "$1" && mount -t tmpfs soulbox-test "$1" && echo ready >&3 && sleep 60',
        'sh',
        marker,
      ]),
      signal: controller.signal,
      onStatusLine: () => {
        ready = true;
      },
    });
    while (!ready) await sleep(10);
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(marker), 'not visible on the host');
    controller.abort(new Error('killed'));
    await assert.rejects(running, /killed/);
    rmdirSync(marker);
  });
});
