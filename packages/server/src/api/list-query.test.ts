import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor, parseLimit, parseMetadataFilter, parseStates } from './list-query.js';

describe('list query parsing', () => {
  it('decodes the SDK metadata encoding (double-encoded pairs)', () => {
    // What URLSearchParams gives the server after its own decoding of ?metadata=a%3Db%252520c
    assert.deepEqual(parseMetadataFilter('a=b%2520c'), { a: 'b c' });
    assert.deepEqual(parseMetadataFilter('k1=v1&k2=v%2526x'), { k1: 'v1', k2: 'v&x' });
    assert.throws(() => parseMetadataFilter('novalue'), /invalid key value pair/);
  });
  it('parses states, limits and cursors', () => {
    assert.deepEqual(parseStates(['running,paused']), ['running', 'paused']);
    assert.throws(() => parseStates(['killed']), /invalid state/);
    assert.equal(parseLimit(undefined), 100);
    assert.throws(() => parseLimit('0'));
    const c = encodeCursor('2026-01-01T00:00:00.000Z', 'abc');
    assert.deepEqual(decodeCursor(c), { startedAt: '2026-01-01T00:00:00.000Z', id: 'abc' });
    assert.throws(() => decodeCursor('garbage'), /invalid nextToken/);
  });
});
