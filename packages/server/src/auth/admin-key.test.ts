import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '../store/index.js';
import { bootstrapAdminKey } from './api-keys.js';

describe('bootstrap admin key', () => {
  it('is made once, saved owner-only, and reported as new only the first time', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-key-'));
    const store = openStore({ file: ':memory:' });
    try {
      const first = bootstrapAdminKey(store, dir);
      assert.equal(first.created, true);
      assert.match(first.key ?? '', /^e2b_[0-9a-f]{40}$/);
      const file = path.join(dir, 'admin-key');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      fs.chmodSync(file, 0o644);
      const second = bootstrapAdminKey(store, dir);
      assert.deepEqual([second.created, second.key], [false, first.key]);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'a file left readable is tightened');
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
