import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../store/index.js';
import { silentLogger } from '../util/logger.js';
import { type AuditLog, createAuditLog } from './audit-log.js';

describe('audit log', () => {
  let dir: string;
  let store: Store;
  let log: AuditLog;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
    store = openStore({ file: path.join(dir, 'soulbox.db') });
    log = createAuditLog({ store: store.audit, logger: silentLogger });
    for (let i = 0; i < 25; i++) {
      log.record({
        actor: `key:${i % 3}`,
        tenantId: i % 2 ? 'acme' : 'default',
        action: i % 5 ? 'sandbox.create' : 'tenant.update',
        resource: `sandbox/s${i}`,
        result: 'success',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
        requestId: `r${i}`,
        metadata: { z: 1, a: { y: 2, b: [3] }, i },
      });
    }
  });
  after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('verifies an untouched chain and reports its head', () => {
    const v = log.verify();
    assert.equal(v.ok, true);
    assert.equal(v.checked, 25);
    assert.equal(v.head?.seq, 25);
  });

  it('filters and pages newest first with an opaque cursor', () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = log.query({ tenantId: 'acme', limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.events.map((e) => e.seq));
      for (const e of page.events) assert.equal(e.tenantId, 'acme');
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.equal(seen.length, 12);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => b - a),
    );
    assert.equal(log.query({ action: 'tenant.*', limit: 100 }).events.length, 5);
    assert.equal(log.query({ actor: 'key:1', action: 'sandbox.create', limit: 100 }).events.length, 7);
    assert.throws(() => log.query({ cursor: 'nonsense!' }), /cursor/);
    assert.throws(() => log.query({ limit: 5000 }), /limit/);
  });

  it('is append-only: the database itself refuses updates and deletes', () => {
    const db = new Database(path.join(dir, 'soulbox.db'));
    try {
      assert.throws(
        () => db.prepare("UPDATE audit_events SET result = 'failure' WHERE seq = 3").run(),
        /append-only/,
      );
      assert.throws(() => db.prepare('DELETE FROM audit_events WHERE seq = 3').run(), /append-only/);
    } finally {
      db.close();
    }
  });

  it('detects a row edited directly in the database (triggers dropped first), and a removed row', () => {
    const db = new Database(path.join(dir, 'soulbox.db'));
    try {
      db.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete');
      const id = (db.prepare('SELECT id FROM audit_events WHERE seq = 7').get() as { id: string }).id;
      db.prepare("UPDATE audit_events SET actor = 'key:innocent' WHERE seq = 7").run();
      const edited = log.verify();
      assert.equal(edited.ok, false);
      assert.equal(edited.firstBadId, id);
      assert.equal(edited.checked, 7);
      assert.match(edited.reason!, /edited/);
      // Put it back, then remove a row instead.
      db.prepare("UPDATE audit_events SET actor = 'key:0' WHERE seq = 7").run();
      assert.equal(log.verify().ok, true);
      db.prepare('DELETE FROM audit_events WHERE seq = 12').run();
      const removed = log.verify();
      assert.equal(removed.ok, false);
      assert.equal(removed.firstBadSeq, 13);
      assert.match(removed.reason!, /removed/);
    } finally {
      db.close();
    }
  });

  it('exports JSON lines and CSV, oldest first, in pages', () => {
    const lines = [...log.export({ tenantId: 'default' }, 'jsonl', 5)].join('').trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as { seq: number; metadata: { a: { y: number } } });
    assert.equal(events.length, 13);
    assert.ok(events[0]!.seq < events[1]!.seq);
    assert.equal(events[0]!.metadata.a.y, 2);
    const csv = [...log.export({ action: 'tenant.update' }, 'csv')].join('');
    const rows = csv.trim().split('\r\n');
    assert.equal(rows.length, 6);
    assert.match(rows[1]!, /,"\{""a"":\{""b"":\[3\],""y"":2\},""i"":0,""z"":1\}",/);
  });
});
