import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contextFiles } from './build-context.js';

describe('build contexts', () => {
  let dir: string;
  before(() => {
    // The same context as the server's context-digest test, which pins the same digest.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-sdk-ctx-'));
    fs.mkdirSync(path.join(dir, 'app', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'app', 'main.sh'), '#!/bin/sh\necho hi\n');
    fs.writeFileSync(path.join(dir, 'app', 'lib', 'data.txt'), 'data\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'notes\n');
    fs.symlinkSync('main.sh', path.join(dir, 'app', 'run'));
    fs.chmodSync(path.join(dir, 'app', 'main.sh'), 0o755);
    fs.chmodSync(path.join(dir, 'app', 'lib', 'data.txt'), 0o644);
    fs.chmodSync(path.join(dir, 'notes.txt'), 0o600);
    fs.chmodSync(path.join(dir, 'app', 'lib'), 0o755);
    fs.chmodSync(path.join(dir, 'app'), 0o755);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("declares SoulBox's digest of the archive it uploads, which the server checks", async () => {
    const files = await contextFiles(dir, './app');
    assert.equal(files.src, 'app');
    assert.deepEqual(files.entries, ['app', 'app/lib', 'app/lib/data.txt', 'app/main.sh', 'app/run']);
    assert.equal(files.hash, 'sb1-8406ce68ab14e62853484c70670b81a7e30e3f0952c91ece1aeed7c97fd799ff');
  });

  it('changes the hash when a mode or a byte changes', async () => {
    const before = (await contextFiles(dir, 'notes.txt')).hash;
    fs.chmodSync(path.join(dir, 'notes.txt'), 0o700);
    const modeChanged = (await contextFiles(dir, 'notes.txt')).hash;
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'notes!\n');
    const contentChanged = (await contextFiles(dir, 'notes.txt')).hash;
    assert.equal(new Set([before, modeChanged, contentChanged]).size, 3);
  });

  it('refuses sources outside the context', async () => {
    await assert.rejects(contextFiles(dir, '../etc'), /outside the build context/);
  });
});
