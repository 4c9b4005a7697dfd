import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSoulBoxError } from '../errors/index.js';
import { createUploadBudget } from './upload-budget.js';

const code = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    if (isSoulBoxError(err)) return err.code;
    throw err;
  }
  return 'ok';
};

describe('build upload budget', () => {
  const limits = { maxFileBytes: 100, maxPerTenant: 2, maxTenantBytes: 150 };

  it('cuts one upload at the file limit while it streams, and by its declared length', () => {
    const b = createUploadBudget(limits);
    assert.equal(
      code(() => b.begin('t', 'h1', 101)),
      'PAYLOAD_TOO_LARGE',
    );
    const t = b.begin('t', 'h1');
    t.add(60);
    assert.equal(
      code(() => t.add(60)),
      'PAYLOAD_TOO_LARGE',
    );
    t.abort();
    // Its share came back.
    const t2 = b.begin('t', 'h2');
    t2.add(100);
    t2.commit();
  });

  it("caps a tenant's count and bytes of uploads held, and frees them when a build used them", () => {
    const b = createUploadBudget(limits);
    const a = b.begin('t', 'a');
    a.add(100);
    a.commit();
    const c = b.begin('t', 'c');
    assert.equal(
      code(() => c.add(60)),
      'QUOTA_EXCEEDED',
    );
    c.abort();
    const d = b.begin('t', 'd');
    d.add(10);
    d.commit();
    assert.equal(
      code(() => b.begin('t', 'e')),
      'QUOTA_EXCEEDED',
    );
    // Another tenant has its own share.
    assert.equal(
      code(() => b.begin('u', 'x').commit()),
      'ok',
    );
    b.release('a');
    assert.equal(
      code(() => b.begin('t', 'e', 100).abort()),
      'ok',
    );
  });

  it('expires stored uploads no build pinned', () => {
    let now = 0;
    const b = createUploadBudget(limits, () => now);
    b.begin('t', 'old').commit();
    b.begin('t', 'used').commit();
    b.pin('used');
    now = 10_000;
    assert.deepEqual(b.expire(5_000), ['old']);
    assert.equal(
      code(() => b.begin('t', 'new').commit()),
      'ok',
    );
  });
});
