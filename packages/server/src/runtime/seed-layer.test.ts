import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SEEDED_FILES, seedWritableLayer } from './seed-layer.js';

const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const files = { hosts: '127.0.0.1\tlocalhost\n', hostname: 'abc\n', resolvConf: 'nameserver 10.0.0.1\n' };

describe('seedWritableLayer', () => {
  it('writes the files into a fresh upper dir, /etc taking the template mode', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-seed-'));
    try {
      const template = path.join(dir, 'rootfs');
      fs.mkdirSync(path.join(template, 'etc'), { recursive: true });
      fs.chmodSync(path.join(template, 'etc'), 0o751);
      const upperDir = path.join(dir, 'upper');
      seedWritableLayer({ upperDir, templateRootfs: template, files, owner });
      assert.equal(fs.statSync(path.join(upperDir, 'etc')).mode & 0o7777, 0o751);
      assert.equal(fs.readFileSync(path.join(upperDir, 'etc/hostname'), 'utf8'), 'abc\n');
      assert.equal(fs.readFileSync(path.join(upperDir, 'etc/resolv.conf'), 'utf8'), files.resolvConf);
      for (const rel of SEEDED_FILES) {
        const st = fs.lstatSync(path.join(upperDir, rel));
        assert.ok(st.isFile());
        assert.equal(st.mode & 0o7777, 0o644);
        assert.equal(st.uid, owner.uid);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never follows a template symlink and refuses an existing upper dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-seed-'));
    try {
      const template = path.join(dir, 'rootfs');
      const outside = path.join(dir, 'outside');
      fs.mkdirSync(template);
      fs.mkdirSync(outside);
      fs.symlinkSync(outside, path.join(template, 'etc'));
      const upperDir = path.join(dir, 'upper');
      seedWritableLayer({ upperDir, templateRootfs: template, files, owner });
      assert.deepEqual(fs.readdirSync(outside), []);
      assert.equal(fs.statSync(path.join(upperDir, 'etc')).mode & 0o7777, 0o755);
      assert.throws(() => seedWritableLayer({ upperDir, templateRootfs: template, files, owner }), {
        code: 'EEXIST',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
