import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRange } from './byte-range.js';
import { contentDisposition, contentTypeFor } from './content-headers.js';

describe('decideRange', () => {
  it('serves one range, ignores what it cannot serve, refuses ranges past the end', () => {
    assert.deepEqual(decideRange(undefined, 10), { kind: 'full' });
    assert.deepEqual(decideRange('bytes=0-0', 10), { kind: 'partial', range: { start: 0, end: 0 } });
    assert.deepEqual(decideRange('bytes=5-100', 10), { kind: 'partial', range: { start: 5, end: 9 } });
    assert.deepEqual(decideRange('bytes=-4', 10), { kind: 'partial', range: { start: 6, end: 9 } });
    assert.deepEqual(decideRange('bytes=-40', 10), { kind: 'partial', range: { start: 0, end: 9 } });
    assert.deepEqual(decideRange('bytes=10-', 10), { kind: 'unsatisfiable' });
    assert.deepEqual(decideRange('bytes=0-1,3-4', 10), { kind: 'full' });
    assert.deepEqual(decideRange('items=0-1', 10), { kind: 'full' });
    assert.deepEqual(decideRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  });
});

describe('content headers', () => {
  it('formats Content-Disposition like Go mime.FormatMediaType', () => {
    assert.equal(contentDisposition('a.txt'), 'inline; filename=a.txt');
    assert.equal(contentDisposition('a b".txt'), 'inline; filename="a b\\".txt"');
    assert.equal(contentDisposition('résumé.pdf'), "inline; filename*=utf-8''r%C3%A9sum%C3%A9.pdf");
  });

  it('types by extension, else sniffs text vs binary', () => {
    assert.equal(contentTypeFor('/x/a.JSON', Buffer.alloc(0)), 'application/json');
    assert.equal(contentTypeFor('/x/a', Buffer.from('plain text\n')), 'text/plain; charset=utf-8');
    assert.equal(
      contentTypeFor('/x/a', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00])),
      'application/octet-stream',
    );
  });
});
