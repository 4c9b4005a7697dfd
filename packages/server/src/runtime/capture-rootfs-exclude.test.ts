import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { removeInTree } from './capture-rootfs.js';

describe('removeInTree', () => {
  it('removes excluded paths but never through a symlink planted by the build', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-capture-'));
    try {
      const tree = path.join(dir, 'upper');
      const host = path.join(dir, 'host-etc');
      fs.mkdirSync(path.join(tree, 'run', 'soulbox'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'run', 'soulbox', 'x'), 'x');
      fs.mkdirSync(host);
      fs.writeFileSync(path.join(host, 'hosts'), 'the host file');
      fs.symlinkSync(host, path.join(tree, 'etc'));
      await removeInTree(tree, 'run/soulbox');
      await removeInTree(tree, 'etc/hosts');
      await removeInTree(tree, 'missing/deeper/file');
      assert.ok(!fs.existsSync(path.join(tree, 'run', 'soulbox')));
      assert.equal(fs.readFileSync(path.join(host, 'hosts'), 'utf8'), 'the host file');
      await assert.rejects(removeInTree(tree, '../host-etc/hosts'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
