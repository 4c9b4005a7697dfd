import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogRing, MAX_MESSAGE_CHARS } from './log-ring.js';
import { createSandboxLogs } from './sandbox-logs.js';

const entry = (message: string) => ({
  timestampMs: 1,
  level: 'info' as const,
  message,
  fields: { source: 'process' },
});

describe('log ring', () => {
  it('keeps memory bounded: old entries go, seq keeps counting', () => {
    const ring = createLogRing(64 * 1024);
    for (let i = 0; i < 10_000; i++) ring.push(entry(`line ${i} ${'x'.repeat(100)}`));
    const kept = ring.all();
    assert.ok(kept.length < 400, `kept ${kept.length}`);
    assert.equal(kept.at(-1)!.seq, 10_000);
    assert.equal(ring.dropped + kept.length, 10_000);
    assert.deepEqual(
      ring.since(9_998).map((e) => e.seq),
      [9_999, 10_000],
    );
    assert.equal(ring.since(0).length, kept.length);
  });

  it('cuts very long messages', () => {
    const ring = createLogRing(1024 * 1024);
    const e = ring.push(entry('y'.repeat(MAX_MESSAGE_CHARS * 3)));
    assert.ok(e.message.length <= MAX_MESSAGE_CHARS + 1);
  });
});

describe('sandbox logs', () => {
  it('replays, follows live and ends subscribers when the sandbox ends', () => {
    const logs = createSandboxLogs();
    logs.open('a', 't1');
    logs.append('a', { message: 'one', fields: { source: 'lifecycle' } });
    const seen: string[] = [];
    let ended = false;
    logs.subscribe('a', 0, { entry: (e) => seen.push(e.message), end: () => (ended = true) });
    logs.append('a', { message: 'two', fields: { source: 'envd' } });
    logs.end('a');
    logs.append('a', { message: 'late', fields: { source: 'envd' } });
    assert.deepEqual(seen, ['one', 'two']);
    assert.ok(ended);
    assert.equal(logs.tenantOf('a'), 't1');
    assert.equal(logs.entries('a').length, 2, 'an ended log stays readable');
    logs.close();
  });

  it('forgets ended logs past the retention count', () => {
    const logs = createSandboxLogs({ maxEnded: 2 });
    for (const id of ['a', 'b', 'c']) {
      logs.open(id, 't');
      logs.end(id);
    }
    assert.equal(logs.tenantOf('a'), undefined);
    assert.equal(logs.tenantOf('c'), 't');
    logs.close();
  });
});
