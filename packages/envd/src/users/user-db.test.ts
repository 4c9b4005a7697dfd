import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EnvdError } from '../errors/envd-error.js';
import { createUserDb, resolveUser, type UserDb } from './user-db.js';

describe('user db', () => {
  let dir: string;
  let db: UserDb;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'envd-users-'));
    writeFileSync(
      join(dir, 'passwd'),
      [
        'root:x:0:0:root:/root:/bin/bash',
        '# comment',
        'user:x:1000:1000::/home/user:/bin/bash',
        'broken:x:nope',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'group'),
      ['root:x:0:', 'sudo:x:27:user', 'user:x:1000:', 'docker:x:999:other,user'].join('\n'),
    );
    db = createUserDb({ passwdPath: join(dir, 'passwd'), groupPath: join(dir, 'group'), recheckMs: 0 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('looks users up with their supplementary groups', () => {
    assert.deepEqual(db.lookup('user'), {
      name: 'user',
      uid: 1000,
      gid: 1000,
      home: '/home/user',
      groups: [1000, 27, 999],
    });
    assert.equal(db.lookup('broken'), undefined);
    assert.equal(db.lookup('ghost'), undefined);
  });

  it('names ids, falling back to the number', () => {
    assert.equal(db.userName(1000), 'user');
    assert.equal(db.groupName(27), 'sudo');
    assert.equal(db.userName(4242), '4242');
  });

  it('notices edits to the files', () => {
    writeFileSync(
      join(dir, 'passwd'),
      'root:x:0:0:root:/root:/bin/bash\nnewbie:x:1001:1001::/home/newbie:/bin/sh\n',
    );
    assert.equal(db.lookup('newbie')?.uid, 1001);
  });

  it('resolves the default user and refuses unknown ones', () => {
    assert.equal(resolveUser(db, undefined, 'root').name, 'root');
    assert.throws(
      () => resolveUser(db, 'ghost', 'root'),
      (e: unknown) =>
        e instanceof EnvdError && e.code === 'UNAUTHENTICATED' && e.message === "invalid username: 'ghost'",
    );
  });
});
