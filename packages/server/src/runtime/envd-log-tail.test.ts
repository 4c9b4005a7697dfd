import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tailFile } from './envd-log-tail.js';

describe('tailFile', () => {
  it('reads what is there, then follows appends; partial lines wait for their newline', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-tail-'));
    const file = path.join(dir, 'sandbox.log');
    fs.writeFileSync(file, 'one\ntw');
    const lines: string[] = [];
    const tail = tailFile(file, { onLine: (l) => lines.push(l), maxLineBytes: 64 });
    try {
      assert.deepEqual(lines, ['one']);
      fs.appendFileSync(file, `o\n${'x'.repeat(100)}\nthree\n`);
      const deadline = Date.now() + 5000;
      while (lines.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(lines, ['one', 'two', `${'x'.repeat(64)}…`, 'three']);
    } finally {
      tail.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts again from the top when the file was emptied (envd's log cap)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-tail-'));
    const file = path.join(dir, 'sandbox.log');
    fs.writeFileSync(file, `${'a'.repeat(50)}\n${'b'.repeat(50)}\n`);
    const lines: string[] = [];
    const tail = tailFile(file, { onLine: (l) => lines.push(l) });
    try {
      assert.equal(lines.length, 2);
      const fd = fs.openSync(file, 'a');
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, 'truncated\nfresh\n');
      fs.closeSync(fd);
      const deadline = Date.now() + 5000;
      while (lines.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(lines.slice(2), ['truncated', 'fresh']);
    } finally {
      tail.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends quietly when the file is missing', () => {
    const tail = tailFile('/nonexistent/soulbox/sandbox.log', { onLine: () => assert.fail('no lines') });
    tail.stop();
  });
});
