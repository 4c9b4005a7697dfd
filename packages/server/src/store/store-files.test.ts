import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from './sqlite-store.js';

const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe('store files', () => {
  it('are owner-only (0600), the journal files too, also when an older install left them open', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-store-'));
    try {
      const file = path.join(dir, 'soulbox.db');
      const store = openStore({ file });
      store.close();
      assert.equal(mode(file), 0o600);
      fs.chmodSync(file, 0o644);
      fs.writeFileSync(`${file}-wal`, '', { mode: 0o644 });
      fs.chmodSync(`${file}-wal`, 0o644);
      const again = openStore({ file });
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f), 0o600, f);
      again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
