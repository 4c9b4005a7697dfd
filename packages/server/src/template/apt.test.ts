import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAptStatusLine } from './apt.js';

describe('parseAptStatusLine', () => {
  it('reads download counts', () => {
    assert.deepEqual(parseAptStatusLine('dlstatus:37:8.5472:Retrieving file 37 of 421'), {
      kind: 'download',
      percent: 8.5472,
      current: 37,
      total: 421,
    });
  });

  it('reads dpkg progress, keeping colons in the action', () => {
    assert.deepEqual(parseAptStatusLine('pmstatus:libc6:amd64:42.5:Unpacking libc6:amd64 (amd64)'), {
      kind: 'install',
      percent: 42.5,
      package: 'libc6:amd64',
      action: 'Unpacking libc6:amd64 (amd64)',
    });
    assert.deepEqual(
      parseAptStatusLine('pmstatus:perl-modules-5.36:5.9:Unpacking perl-modules-5.36 (amd64)'),
      {
        kind: 'install',
        percent: 5.9,
        package: 'perl-modules-5.36',
        action: 'Unpacking perl-modules-5.36 (amd64)',
      },
    );
  });

  it('reads errors and ignores the rest', () => {
    assert.equal(parseAptStatusLine('pmerror:foo:50:subprocess failed')?.kind, 'error');
    assert.equal(parseAptStatusLine('pmconffile:/etc/x:50:...'), undefined);
    assert.equal(parseAptStatusLine('garbage'), undefined);
  });
});
