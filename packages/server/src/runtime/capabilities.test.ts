import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_CAPABILITIES,
  HARDENED_CAPABILITIES,
  isCapability,
  LINUX_CAPABILITIES,
  toOciCapabilities,
} from './capabilities.js';

describe('capability sets', () => {
  it('lists the 41 capabilities of Linux 6.x once each', () => {
    assert.equal(LINUX_CAPABILITIES.length, 41);
    assert.equal(new Set(LINUX_CAPABILITIES).size, 41);
    assert.equal(LINUX_CAPABILITIES[0], 'CAP_CHOWN');
    assert.equal(LINUX_CAPABILITIES[21], 'CAP_SYS_ADMIN');
    assert.equal(LINUX_CAPABILITIES[40], 'CAP_CHECKPOINT_RESTORE');
  });

  it("holds Docker's default set", () => {
    assert.deepEqual([...DEFAULT_CAPABILITIES].sort(), [
      'CAP_AUDIT_WRITE',
      'CAP_CHOWN',
      'CAP_DAC_OVERRIDE',
      'CAP_FOWNER',
      'CAP_FSETID',
      'CAP_KILL',
      'CAP_MKNOD',
      'CAP_NET_BIND_SERVICE',
      'CAP_NET_RAW',
      'CAP_SETFCAP',
      'CAP_SETGID',
      'CAP_SETPCAP',
      'CAP_SETUID',
      'CAP_SYS_CHROOT',
    ]);
  });

  it('hardens by dropping NET_RAW, MKNOD, SETFCAP, SYS_CHROOT and AUDIT_WRITE only', () => {
    const dropped = ['CAP_NET_RAW', 'CAP_MKNOD', 'CAP_SETFCAP', 'CAP_SYS_CHROOT', 'CAP_AUDIT_WRITE'];
    assert.deepEqual(
      HARDENED_CAPABILITIES,
      DEFAULT_CAPABILITIES.filter((cap) => !dropped.includes(cap)),
    );
  });

  it('cannot be changed at run time', () => {
    assert.ok(Object.isFrozen(DEFAULT_CAPABILITIES));
    assert.ok(Object.isFrozen(HARDENED_CAPABILITIES));
    assert.ok(Object.isFrozen(LINUX_CAPABILITIES));
  });

  it('tells capability names from other strings', () => {
    assert.ok(isCapability('CAP_SYS_ADMIN'));
    assert.ok(!isCapability('SYS_ADMIN'));
    assert.ok(!isCapability('cap_sys_admin'));
    assert.ok(!isCapability('CAP_EVERYTHING'));
  });
});

describe('toOciCapabilities', () => {
  it('gives root the list as bounding, effective and permitted; nothing inheritable or ambient', () => {
    const caps = toOciCapabilities(DEFAULT_CAPABILITIES);
    assert.deepEqual(caps.bounding, DEFAULT_CAPABILITIES);
    assert.deepEqual(caps.effective, DEFAULT_CAPABILITIES);
    assert.deepEqual(caps.permitted, DEFAULT_CAPABILITIES);
    assert.deepEqual(caps.inheritable, []);
    assert.deepEqual(caps.ambient, []);
  });

  it('gives a non-root process the bounding set only, as execve would', () => {
    const caps = toOciCapabilities(HARDENED_CAPABILITIES, { uid: 1000 });
    assert.deepEqual(caps.bounding, HARDENED_CAPABILITIES);
    assert.deepEqual(caps.effective, []);
    assert.deepEqual(caps.permitted, []);
    assert.deepEqual(caps.inheritable, []);
    assert.deepEqual(caps.ambient, []);
  });

  it('drops duplicates and keeps the order', () => {
    const caps = toOciCapabilities(['CAP_KILL', 'CAP_CHOWN', 'CAP_KILL']);
    assert.deepEqual(caps.bounding, ['CAP_KILL', 'CAP_CHOWN']);
  });

  it('serialises to the JSON runc reads', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(toOciCapabilities(['CAP_KILL']))), {
      bounding: ['CAP_KILL'],
      effective: ['CAP_KILL'],
      inheritable: [],
      permitted: ['CAP_KILL'],
      ambient: [],
    });
  });
});
