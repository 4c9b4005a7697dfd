import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goFileModeString, permissionBits } from './file-mode.js';

describe('goFileModeString', () => {
  it('matches Go fs.FileMode.String()', () => {
    assert.equal(goFileModeString(0o100644), '-rw-r--r--');
    assert.equal(goFileModeString(0o040755), 'drwxr-xr-x');
    assert.equal(goFileModeString(0o120777), 'Lrwxrwxrwx');
    assert.equal(goFileModeString(0o041777), 'dtrwxrwxrwx');
    assert.equal(goFileModeString(0o104755), 'urwxr-xr-x');
    assert.equal(goFileModeString(0o020666), 'Dcrw-rw-rw-');
    assert.equal(goFileModeString(0o060660), 'Drw-rw----');
    assert.equal(goFileModeString(0o010600), 'prw-------');
    assert.equal(goFileModeString(0o140755), 'Srwxr-xr-x');
  });

  it('keeps permission bits only for mode', () => {
    assert.equal(permissionBits(0o100644), 420);
    assert.equal(permissionBits(0o040755), 493);
  });
});
