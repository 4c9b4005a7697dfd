import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './load-config.js';

describe('config', () => {
  it('has embedded defaults', () => {
    const c = loadConfig({ argv: [], env: {} });
    assert.equal(c.port, 3000);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.dataDir, '/var/lib/soulbox');
    assert.equal(c.runtime.binary, 'runc');
  });
  it('takes flags over env over file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ port: 1, dataDir: '/from/file', host: '0.0.0.0' }));
    const c = loadConfig({
      argv: ['--port', '3'],
      env: { SOULBOX_PORT: '2', SOULBOX_DATA_DIR: '/from/env' },
      file,
    });
    assert.equal(c.port, 3);
    assert.equal(c.dataDir, '/from/env');
    assert.equal(c.host, '0.0.0.0');
    fs.rmSync(dir, { recursive: true });
  });
  it('rejects unknown keys and bad values, naming the setting', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ prot: 1 }));
    assert.throws(() => loadConfig({ argv: [], env: {}, file }), /prot/);
    assert.throws(() => loadConfig({ argv: ['--port', 'abc'], env: {} }), /--port/);
    assert.throws(() => loadConfig({ argv: [], env: { SOULBOX_ADMIN_KEY: 'nope' } }), /adminKey/);
    assert.throws(() => loadConfig({ argv: ['--bogus'], env: {} }), /bogus/);
    fs.rmSync(dir, { recursive: true });
  });
});
