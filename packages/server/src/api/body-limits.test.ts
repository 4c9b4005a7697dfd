import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addApiKey, generateApiKey } from '../auth/index.js';
import { createGovernanceFixture, type GovernanceFixture } from '../testing/governance-fixture.js';
import { createTestApi } from '../testing/test-api.js';
import { bodyLimitOf, MAX_SMALL_BODY_BYTES } from './body-limits.js';
import { MAX_JSON_BYTES } from './http-helpers.js';

describe('REST body limits', () => {
  let f: GovernanceFixture;
  let app: ReturnType<typeof createTestApi>;
  let owner: string;
  before(() => {
    f = createGovernanceFixture();
    app = createTestApi(f);
    owner = generateApiKey();
    addApiKey(f.store, owner, { role: 'owner', name: 'test owner' });
  });
  after(() => f.close());

  it('has a limit per route; uploads bound themselves while they stream to disk', () => {
    assert.equal(bodyLimitOf('POST', '/v2/sandboxes'), MAX_JSON_BYTES);
    assert.equal(bodyLimitOf('POST', '/admin/tenants'), MAX_SMALL_BODY_BYTES);
    assert.equal(bodyLimitOf('DELETE', '/sandboxes/x'), MAX_SMALL_BODY_BYTES);
    assert.equal(bodyLimitOf('PUT', '/templates/t/files/abcdef0123'), undefined);
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    const res = await app.request('/admin/tenants', {
      method: 'POST',
      headers: {
        'X-API-KEY': owner,
        'Content-Type': 'application/json',
        'Content-Length': String(10 * 2 ** 20),
      },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error_code: string }).error_code, 'PAYLOAD_TOO_LARGE');
    assert.ok(pulled <= 2, `read ${pulled} chunks of a body it refused by its length`);
  });

  it('cuts an endless chunked body at the limit instead of reading it to the end', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        sent += 4096;
        c.enqueue(new Uint8Array(4096).fill(0x20));
      },
    });
    const res = await app.request('/v2/sandboxes', {
      method: 'POST',
      headers: { 'X-API-KEY': owner, 'Content-Type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.ok(
      sent <= MAX_JSON_BYTES + 3 * 4096,
      `the server read ${sent} bytes past a ${MAX_JSON_BYTES} limit`,
    );
  });

  it('reads no body at all for an unauthenticated caller', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    const res = await app.request('/v2/sandboxes', { method: 'POST', body, duplex: 'half' } as RequestInit);
    assert.equal(res.status, 401);
    assert.ok(pulled <= 2);
  });
});
