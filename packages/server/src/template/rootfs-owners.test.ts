import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkRootfsOwners } from './rootfs-owners.js';

const isRoot = process.getuid?.() === 0;

describe('checkRootfsOwners', { skip: isRoot ? false : 'needs root (chown)' }, () => {
  let dir: string;
  let root: string;
  let outside: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'soulbox-owners-'));
    root = path.join(dir, 'rootfs');
    outside = path.join(dir, 'outside');
    mkdirSync(outside);
    // Beyond a symlink, owned outside the range: the walk must not get there.
    chownSync(outside, 200_000, 200_000);
    mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
    mkdirSync(path.join(root, 'home/user'), { recursive: true });
    writeFileSync(path.join(root, 'usr/bin/sudo'), 'x');
    chmodSync(path.join(root, 'usr/bin/sudo'), 0o4755);
    writeFileSync(path.join(root, 'home/user/.bashrc'), '# bashrc');
    chownSync(path.join(root, 'home/user'), 1000, 1000);
    chownSync(path.join(root, 'home/user/.bashrc'), 65535, 65535);
    writeFileSync(path.join(root, 'usr/bin/perl'), 'perl');
    linkSync(path.join(root, 'usr/bin/perl'), path.join(root, 'usr/bin/perl5.36'));
    symlinkSync(outside, path.join(root, 'usr/bin/escape'));
    symlinkSync('/nonexistent', path.join(root, 'usr/bin/dangling'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('measures a tree with image owners and changes nothing', async () => {
    const result = await checkRootfsOwners(root);
    assert.equal(result.entries, 10, 'hard links once, symlinks themselves, not what they point to');
    assert.ok(result.sizeBytes > 0);
    const st = lstatSync(path.join(root, 'usr/bin/sudo'));
    assert.equal(st.uid, 0);
    assert.equal(st.mode & 0o7777, 0o4755);
  });

  it('refuses an owner outside 0..65535 (for example a tree shifted by an older SoulBox)', async () => {
    const shifted = path.join(root, 'usr/bin/shifted');
    writeFileSync(shifted, '');
    chownSync(shifted, 100_000, 100_000);
    try {
      await assert.rejects(checkRootfsOwners(root), /owned by 100000:100000, outside 0\.\.65535/);
    } finally {
      rmSync(shifted);
    }
  });

  it('stops when aborted', async () => {
    const big = path.join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 2500; i++) writeFileSync(path.join(big, `f${i}`), '');
    const controller = new AbortController();
    const checking = checkRootfsOwners(big, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(checking, /stop/);
  });
});
