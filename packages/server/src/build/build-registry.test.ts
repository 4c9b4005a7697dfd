import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBuildRegistry, MAX_LOG_CHARS, MAX_LOG_LINE_CHARS } from './build-registry.js';

describe('build log bounds', () => {
  it('cuts long lines and stops keeping lines past the per-build budget', () => {
    const r = createBuildRegistry();
    const b = r.create('t', 't', 'tenant');
    const line = 'x'.repeat(MAX_LOG_LINE_CHARS * 3);
    const n = Math.ceil(MAX_LOG_CHARS / MAX_LOG_LINE_CHARS) + 50;
    for (let i = 0; i < n; i++) r.log(b, 'info', line);
    const kept = b.logs.reduce((sum, e) => sum + e.message.length, 0);
    assert.ok(kept <= MAX_LOG_CHARS, `kept ${kept} characters`);
    assert.ok(b.logs.every((e) => e.message.length < MAX_LOG_LINE_CHARS + 100));
    assert.match(b.logs[0]!.message, /characters cut\]$/);
    assert.ok(b.droppedLogs >= 50);
  });
});
