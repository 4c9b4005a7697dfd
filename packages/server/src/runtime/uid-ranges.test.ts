import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createUidRangePool, parseSubidFile, UID_RANGE_SIZE } from './uid-ranges.js';

const R = UID_RANGE_SIZE;
const BASE = 2 ** 30;

describe('uid range pool', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-uid-ranges-'));
  const subuid = path.join(dir, 'subuid');
  const subgid = path.join(dir, 'subgid');
  const pool = (count = 4) => createUidRangePool({ base: BASE, count, reservedFiles: [subuid, subgid] });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses subuid lines and skips comments and junk', () => {
    assert.deepEqual(
      parseSubidFile('# comment\nalice:100000:65536\n\nbob:x:1\ncarol:165536:65536\n  dave:1:2  \nbad\n'),
      [
        { start: 100_000, count: 65_536 },
        { start: 165_536, count: 65_536 },
        { start: 1, count: 2 },
      ],
    );
  });

  it('hands out the lowest free range, aligned to the base', () => {
    assert.equal(pool().pick([]), BASE);
    assert.equal(pool().pick([BASE]), BASE + R);
    assert.equal(pool().pick([BASE + R, BASE]), BASE + 2 * R);
    assert.equal(pool().pick([BASE + R]), BASE, 'a freed range is reused');
  });

  it('returns null when every range is in use', () => {
    assert.equal(pool(2).pick([BASE, BASE + R]), null);
  });

  it('skips ranges touched by a subuid or a subgid entry, by a single id', () => {
    fs.writeFileSync(subuid, `alice:${BASE + R - 1}:2\n`);
    fs.writeFileSync(subgid, `bob:${BASE + 2 * R}:10\n`);
    try {
      assert.equal(pool().pick([]), BASE + 3 * R);
      assert.equal(pool().pick([BASE + 3 * R]), null);
    } finally {
      fs.rmSync(subuid);
      fs.rmSync(subgid);
    }
  });

  it('reads the files on every pick (an entry added while running counts)', () => {
    const p = pool();
    assert.equal(p.pick([]), BASE);
    fs.writeFileSync(subuid, `late:${BASE}:65536\n`);
    try {
      assert.equal(p.pick([]), BASE + R);
    } finally {
      fs.rmSync(subuid);
    }
  });

  it('treats a range of another alignment (an older configuration) as blocking what it overlaps', () => {
    assert.equal(pool().pick([BASE + R / 2]), BASE + 2 * R);
  });

  it('honours a huge entry that starts below the pool', () => {
    fs.writeFileSync(subuid, `big:100000:${BASE + 2 * R - 100_000}\n`);
    try {
      assert.equal(pool().pick([]), BASE + 2 * R);
    } finally {
      fs.rmSync(subuid);
    }
  });

  it('fails closed when a reserved file cannot be read', () => {
    fs.mkdirSync(subuid);
    try {
      assert.throws(() => pool().pick([]), { code: 'EISDIR' });
    } finally {
      fs.rmdirSync(subuid);
    }
  });
});
