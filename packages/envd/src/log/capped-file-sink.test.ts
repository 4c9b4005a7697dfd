import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createCappedFileSink, isRegularFile } from './capped-file-sink.js';

describe('createCappedFileSink', () => {
  for (const flags of ['a', 'w'] as const) {
    it(`keeps the file below the cap and starts again with a note (opened '${flags}')`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'envd-log-'));
      const file = join(dir, 'sandbox.log');
      const fd = openSync(file, flags);
      try {
        writeSync(fd, 'runc said something\n');
        const cap = 64 * 1024;
        const sink = createCappedFileSink(fd, cap);
        const line = `${'x'.repeat(999)}\n`;
        let maxSeen = 0;
        for (let i = 0; i < 1000; i++) {
          sink(line);
          maxSeen = Math.max(maxSeen, statSync(file).size);
        }
        assert.ok(maxSeen <= cap, `file grew to ${maxSeen}`);
        const text = readFileSync(file, 'utf8');
        const lines = text.split('\n').filter(Boolean);
        assert.match(lines[0] ?? '', /"event":"envd.log_truncated"/);
        assert.ok(
          lines.slice(1).every((l) => l === 'x'.repeat(999)),
          'no holes, no torn lines',
        );
        assert.ok(!text.includes('\0'));
      } finally {
        closeSync(fd);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('tells files from pipes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envd-log-'));
    const fd = openSync(join(dir, 'f'), 'w');
    try {
      assert.equal(isRegularFile(fd), true);
      assert.equal(isRegularFile(999_999), false);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
