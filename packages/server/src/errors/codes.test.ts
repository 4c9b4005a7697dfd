import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from './codes.js';

describe('error code catalogue', () => {
  it('docs/errors.md lists exactly the codes, with their HTTP status', () => {
    const doc = fs.readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    const expected = Object.entries(ERROR_CODES).map(([code, v]) => [code, v.http]);
    assert.deepEqual(rows, expected);
  });
});
