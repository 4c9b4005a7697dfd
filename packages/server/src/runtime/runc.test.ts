import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRuncDriver } from './runc.js';

describe('runc driver', () => {
  it('reports a missing runtime binary as RUNTIME_UNAVAILABLE', async () => {
    const runc = createRuncDriver({ binary: 'soulbox-no-such-runtime' });
    await assert.rejects(runc.version(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'RUNTIME_UNAVAILABLE');
      assert.match(err.message, /soulbox-no-such-runtime' is not installed/);
      return true;
    });
  });
});
