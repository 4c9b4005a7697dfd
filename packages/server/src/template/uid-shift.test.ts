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
import { shiftOwnership } from './uid-shift.js';

const isRoot = process.getuid?.() === 0;

describe('shiftOwnership', { skip: isRoot ? false : 'needs root (chown)' }, () => {
  let dir: string;
  let root: string;
  let outside: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'soulbox-shift-'));
    root = path.join(dir, 'rootfs');
    outside = path.join(dir, 'outside.txt');
    writeFileSync(outside, 'host file');
    mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
    mkdirSync(path.join(root, 'home/user'), { recursive: true });
    mkdirSync(path.join(root, 'tmp'));
    writeFileSync(path.join(root, 'usr/bin/sudo'), 'x');
    chmodSync(path.join(root, 'usr/bin/sudo'), 0o4755);
    mkdirSync(path.join(root, 'var-mail'));
    chownSync(path.join(root, 'var-mail'), 0, 8);
    chmodSync(path.join(root, 'var-mail'), 0o2775);
    chmodSync(path.join(root, 'tmp'), 0o1777);
    writeFileSync(path.join(root, 'home/user/.bashrc'), '# bashrc');
    chownSync(path.join(root, 'home/user'), 1000, 1000);
    chownSync(path.join(root, 'home/user/.bashrc'), 1000, 1000);
    writeFileSync(path.join(root, 'usr/bin/perl'), 'perl');
    linkSync(path.join(root, 'usr/bin/perl'), path.join(root, 'usr/bin/perl5.36'));
    // An absolute symlink that, followed on the host, would reach a host file.
    symlinkSync(outside, path.join(root, 'usr/bin/escape'));
    symlinkSync('/nonexistent', path.join(root, 'usr/bin/dangling'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the shift to every owner, keeps special bits, never follows symlinks', async () => {
    const result = await shiftOwnership(root, 100000);
    const st = (p: string) => lstatSync(path.join(root, p));

    assert.equal(st('.').uid, 100000);
    assert.equal(st('usr/bin/sudo').uid, 100000);
    assert.equal(st('usr/bin/sudo').mode & 0o7777, 0o4755, 'setuid kept');
    assert.equal(st('var-mail').gid, 100008);
    assert.equal(st('var-mail').mode & 0o7777, 0o2775, 'setgid kept');
    assert.equal(st('tmp').mode & 0o7777, 0o1777, 'sticky kept');
    assert.equal(st('home/user').uid, 101000);
    assert.equal(st('home/user/.bashrc').gid, 101000);
    assert.equal(st('usr/bin/escape').uid, 100000, 'the link itself is shifted');
    assert.equal(st('usr/bin/dangling').uid, 100000);
    assert.equal(lstatSync(outside).uid, 0, 'the host file behind the symlink is untouched');
    // Hard links share an inode: shifted once, not twice.
    assert.equal(st('usr/bin/perl').uid, 100000);
    assert.equal(st('usr/bin/perl5.36').uid, 100000);
    assert.ok(result.entries >= 12);
    assert.ok(result.sizeBytes > 0);
  });

  it('refuses a tree that is already shifted', async () => {
    await assert.rejects(shiftOwnership(root, 100000), /already shifted/);
  });

  it('stops when aborted', async () => {
    const big = path.join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 2500; i++) writeFileSync(path.join(big, `f${i}`), '');
    const controller = new AbortController();
    const shifting = shiftOwnership(big, 100000, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(shifting, /stop/);
  });
});
