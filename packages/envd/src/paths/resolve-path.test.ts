import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvdError } from '../errors/envd-error.js';
import type { SandboxUser } from '../users/user-db.js';
import { cleanPath, resolveUserPath } from './resolve-path.js';

const user: SandboxUser = { name: 'user', uid: 1000, gid: 1000, home: '/home/user', groups: [1000] };

describe('resolveUserPath', () => {
  it('follows upstream envd: empty → workdir, ~ → home, relative → home, cleaned', () => {
    assert.equal(resolveUserPath('', user, '/code'), '/code');
    assert.equal(resolveUserPath('', user, undefined), '/home/user');
    assert.equal(resolveUserPath('~', user, '/code'), '/home/user');
    assert.equal(resolveUserPath('~/a/../b', user, '/code'), '/home/user/b');
    assert.equal(resolveUserPath('a.txt', user, '/code'), '/home/user/a.txt');
    assert.equal(resolveUserPath('../../etc/passwd', user, '/code'), '/etc/passwd');
    assert.equal(resolveUserPath('/tmp/x/', user, '/code'), '/tmp/x');
    assert.equal(resolveUserPath('/a/./b/../c', user, undefined), '/a/c');
  });

  it('refuses ~other', () => {
    assert.throws(
      () => resolveUserPath('~root/x', user, undefined),
      (e: unknown) => e instanceof EnvdError && e.code === 'INVALID_ARGUMENT',
    );
  });

  it('cleans like Go', () => {
    assert.equal(cleanPath('/'), '/');
    assert.equal(cleanPath('//a//b/'), '/a/b');
  });
});
