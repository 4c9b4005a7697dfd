import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvdError } from '../errors/envd-error.js';
import { MAX_METADATA_KEY_BYTES, normalizeMetadata } from './metadata-xattr.js';

const invalid = (e: unknown) => e instanceof EnvdError && e.code === 'INVALID_ARGUMENT';

describe('normalizeMetadata', () => {
  it('lower-cases keys and keeps printable ASCII', () => {
    assert.deepEqual(normalizeMetadata([['Team', 'Core Platform']]), { team: 'Core Platform' });
  });

  it('refuses non-ASCII, oversized keys and oversized totals', () => {
    assert.throws(() => normalizeMetadata([['k', 'caf\u00e9']]), invalid);
    assert.throws(() => normalizeMetadata([['k', 'a\nb']]), invalid);
    assert.throws(() => normalizeMetadata([['k'.repeat(MAX_METADATA_KEY_BYTES + 1), 'v']]), invalid);
    assert.throws(
      () =>
        normalizeMetadata([
          ['a', 'x'.repeat(3000)],
          ['b', 'y'.repeat(3000)],
        ]),
      invalid,
    );
  });
});
