import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { captureRootfs } from './capture-rootfs.js';
import { IDMAP_HELPER, mountIdmapped, unmountIdmapped } from './idmapped-mount.js';
import { UID_RANGE_SIZE } from './uid-ranges.js';

const B = 2 ** 30 + 7 * UID_RANGE_SIZE;
const skip =
  process.getuid?.() !== 0
    ? 'needs root (chown, mknod, mounts)'
    : fs.existsSync(IDMAP_HELPER)
      ? false
      : 'needs the idmap helper (npm run build)';
const getcap = ['/usr/sbin/getcap', '/sbin/getcap'].find((p) => fs.existsSync(p));
const setcap = ['/usr/sbin/setcap', '/sbin/setcap'].find((p) => fs.existsSync(p));

/**
 * A build sandbox's writable layer as the kernel leaves it (owners in the sandbox's range B..,
 * a capability written from inside its namespace, a whiteout), captured through the reverse
 * idmapped view the runtime uses, over a parent with image owners.
 */
describe('captureRootfs through the reverse idmapped view', { skip }, () => {
  let dir: string;
  let parent: string;
  let canary: string;
  let rootfs: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-capture-'));
    parent = path.join(dir, 'parent');
    const upper = path.join(dir, 'upper');
    const view = path.join(dir, 'view');
    canary = path.join(dir, 'host-canary');
    fs.mkdirSync(path.join(canary, 'soulbox'), { recursive: true });
    fs.writeFileSync(path.join(canary, 'soulbox', 'precious'), 'host data');

    fs.mkdirSync(path.join(parent, 'etc'), { recursive: true });
    fs.mkdirSync(path.join(parent, 'home/user'), { recursive: true });
    fs.chownSync(path.join(parent, 'home/user'), 1000, 1000);
    fs.writeFileSync(path.join(parent, 'etc/keep'), 'keep');
    fs.writeFileSync(path.join(parent, 'etc/gone'), 'gone');

    fs.mkdirSync(path.join(upper, 'etc'), { recursive: true });
    fs.mkdirSync(path.join(upper, 'opt'));
    for (const d of ['', 'etc', 'opt']) fs.chownSync(path.join(upper, d), B, B);
    execFileSync('mknod', [path.join(upper, 'etc/gone'), 'c', '0', '0']);
    fs.chownSync(path.join(upper, 'etc/gone'), B, B);
    fs.writeFileSync(path.join(upper, 'etc/new'), 'new');
    fs.chownSync(path.join(upper, 'etc/new'), B + 4242, B + 4242);
    fs.copyFileSync('/bin/true', path.join(upper, 'opt/capbin'));
    fs.chownSync(path.join(upper, 'opt/capbin'), B, B);
    // As root inside the sandbox would have set it: a v3 capability whose root is B.
    if (setcap) execFileSync(setcap, ['-n', String(B), 'cap_net_raw+ep', path.join(upper, 'opt/capbin')]);
    fs.chmodSync(path.join(upper, 'opt/capbin'), 0o4755);
    // The sandbox's symlinks point anywhere on the host: `run` would lead rm -r to the canary.
    fs.symlinkSync(canary, path.join(upper, 'run'));
    fs.lchownSync(path.join(upper, 'run'), B, B);

    fs.mkdirSync(view);
    await mountIdmapped(upper, view, { from: B, to: 0, count: UID_RANGE_SIZE });
    try {
      const work = path.join(dir, 'work');
      fs.mkdirSync(work);
      ({ rootfs } = await captureRootfs({
        upperDir: view,
        parentRootfs: parent,
        workDir: work,
        exclude: ['run/soulbox', '.soulbox'],
      }));
    } finally {
      await unmountIdmapped(view);
    }
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('maps owners back to image ids and applies the changes over the parent', () => {
    const st = (p: string) => fs.lstatSync(path.join(rootfs, p));
    assert.deepEqual([st('.').uid, st('etc').uid, st('opt').gid], [0, 0, 0]);
    assert.deepEqual([st('etc/new').uid, st('etc/new').gid], [4242, 4242]);
    assert.deepEqual([st('home/user').uid, st('etc/keep').uid], [1000, 0]);
    assert.equal(fs.existsSync(path.join(rootfs, 'etc/gone')), false, 'the whiteout removed it');
    assert.equal(fs.readFileSync(path.join(parent, 'etc/gone'), 'utf8'), 'gone', 'the parent is untouched');
    assert.equal(st('opt/capbin').mode & 0o7777, 0o4755, 'setuid survives');
    assert.equal(st('opt/capbin').uid, 0);
  });

  it('stores capabilities as plain v2 ones, valid in any sandbox range', (t) => {
    if (!getcap || !setcap) return t.skip('needs getcap/setcap (libcap2-bin)');
    const out = spawnSync(getcap, ['-n', path.join(rootfs, 'opt/capbin')], { encoding: 'utf8' }).stdout;
    assert.match(out, /cap_net_raw=ep$/m);
    assert.doesNotMatch(out, /rootid/);
  });

  it('never follows a symlink the sandbox wrote', () => {
    assert.equal(fs.readFileSync(path.join(canary, 'soulbox', 'precious'), 'utf8'), 'host data');
    assert.ok(fs.lstatSync(path.join(rootfs, 'run')).isSymbolicLink(), 'the link is kept as a link');
    assert.equal(fs.readlinkSync(path.join(rootfs, 'run')), canary);
  });
});
