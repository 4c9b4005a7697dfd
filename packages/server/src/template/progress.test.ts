import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgressRenderer, formatProgress, type TemplateBuildProgress } from './progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 60, write: (s: string) => chunks.push(s) } };
}

const events: TemplateBuildProgress[] = [
  { template: 'base', phase: 'debootstrap', message: 'retrieving 1/88 adduser', percent: 11 },
  { template: 'base', phase: 'debootstrap', message: 'retrieving 2/88 apt', percent: 12 },
  { template: 'base', phase: 'apt', message: 'downloading 3/421 packages', percent: 1 },
  { template: 'base', phase: 'apt', message: 'installing 421 packages: Unpacking perl', percent: 40 },
  { template: 'base', phase: 'done', message: 'built in 64 s, 505 MiB' },
];

describe('progress renderer', () => {
  it('formats one line', () => {
    assert.equal(
      formatProgress(events[0] as TemplateBuildProgress),
      'template base: debootstrap  11% retrieving 1/88 adduser',
    );
    assert.equal(
      formatProgress({ template: 'base', phase: 'configure', message: 'x' }),
      'template base: configure x',
    );
  });

  it('writes one line per phase when not on a TTY', () => {
    const { chunks, stream } = fakeStream(false);
    const render = createProgressRenderer({ stream });
    for (const e of events) render(e);
    assert.deepEqual(chunks, [
      'template base: debootstrap  11% retrieving 1/88 adduser\n',
      'template base: apt   1% downloading 3/421 packages\n',
      'template base: done built in 64 s, 505 MiB\n',
    ]);
  });

  it('redraws one line with \\r on a TTY, throttled, truncated, ending with a newline', () => {
    const { chunks, stream } = fakeStream(true);
    let t = 0;
    const render = createProgressRenderer({ stream, now: () => t, redrawIntervalMs: 100 });
    render(events[0] as TemplateBuildProgress);
    t = 10;
    render(events[1] as TemplateBuildProgress); // same phase, too soon: skipped
    t = 20;
    render(events[2] as TemplateBuildProgress); // phase change: drawn
    t = 500;
    render(events[3] as TemplateBuildProgress);
    render(events[4] as TemplateBuildProgress);
    assert.equal(chunks.length, 4);
    assert.ok(chunks.every((c) => c.startsWith('\r') && c.includes('\x1b[K')));
    assert.ok(
      chunks.every((c) => c.replaceAll('\r', '').replaceAll('\x1b[K', '').replaceAll('\n', '').length <= 59),
    );
    assert.ok(chunks.at(-1)?.endsWith('\n'));
    assert.ok(!chunks.slice(0, -1).some((c) => c.endsWith('\n')));
  });
});
