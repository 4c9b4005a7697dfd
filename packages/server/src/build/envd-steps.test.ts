import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LOG_LINE_CHARS } from './build-registry.js';
import { createLineSplitter } from './envd-steps.js';

describe('build output lines', () => {
  it('splits output into lines across chunks', () => {
    const lines: string[] = [];
    const { feed } = createLineSplitter((_s, l) => lines.push(l));
    feed('stdout', 'a\nb', false);
    feed('stdout', 'c\r\nd', false);
    feed('stdout', '', true);
    assert.deepEqual(lines, ['a', 'bc', 'd']);
  });

  it('never holds more than one cut line of a step that prints without newlines', () => {
    const lines: string[] = [];
    const { feed } = createLineSplitter((_s, l) => lines.push(l));
    for (let i = 0; i < 1000; i++) feed('stdout', 'y'.repeat(10_000), false);
    feed('stdout', 'tail\nnext line\n', false);
    feed('stdout', '', true);
    assert.equal(lines.length, 2);
    assert.ok(lines[0]!.startsWith('y'.repeat(MAX_LOG_LINE_CHARS)));
    assert.ok(lines[0]!.length < MAX_LOG_LINE_CHARS + 100);
    assert.equal(lines[1], 'next line');
  });
});
