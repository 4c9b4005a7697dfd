import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findMountUsing, readMounts, removeTree } from './remove-tree.js';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '80 22 0:40 / /var/lib/soulbox/sandboxes/abc/rootfs rw,relatime - overlay overlay rw,lowerdir=/var/lib/soulbox/templates/base/ff00/rootfs,upperdir=/var/lib/soulbox/sandboxes/abc/upper,workdir=/var/lib/soulbox/sandboxes/abc/work',
  '81 22 0:41 / /tmp/with\\040space rw - tmpfs tmpfs rw',
  '',
].join('\n');

describe('mount checks', () => {
  it('parses mount points and overlay lower dirs', () => {
    const mounts = readMounts(MOUNTINFO);
    assert.equal(mounts.length, 3);
    assert.deepEqual(mounts[1]?.lowerDirs, ['/var/lib/soulbox/templates/base/ff00/rootfs']);
    assert.equal(mounts[2]?.mountPoint, '/tmp/with space');
  });

  it('finds a template used as an overlay lower dir, or a mount inside a dir', () => {
    const mounts = readMounts(MOUNTINFO);
    assert.equal(
      findMountUsing('/var/lib/soulbox/templates/base/ff00', mounts),
      '/var/lib/soulbox/sandboxes/abc/rootfs',
    );
    assert.equal(findMountUsing('/var/lib/soulbox/templates/base/ee11', mounts), undefined);
    assert.equal(findMountUsing('/tmp', mounts), '/tmp/with space');
    assert.equal(
      findMountUsing('/var/lib/soulbox/sandboxes', mounts),
      '/var/lib/soulbox/sandboxes/abc/rootfs',
    );
  });

  it('removes an unmounted tree', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'soulbox-rm-'));
    mkdirSync(path.join(dir, 'a/b'), { recursive: true });
    writeFileSync(path.join(dir, 'a/b/c'), 'x');
    await removeTree(dir);
    assert.equal(existsSync(dir), false);
  });
});
