import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConnection } from './connection.js';
import { apiError, connectionError } from './errors.js';

describe('connection and errors', () => {
  it('defaults the data plane to the API URL and checks URLs', () => {
    const c = resolveConnection({ apiUrl: 'http://127.0.0.1:3000/', apiKey: 'e2b_1' });
    assert.equal(c.sandboxUrl, 'http://127.0.0.1:3000');
    assert.throws(() => resolveConnection({ apiUrl: 'localhost:3000', apiKey: 'k' }), /http\(s\) URL/);
  });
  it('maps E2B error bodies and fetch failures to one-line errors', () => {
    const e = apiError(
      404,
      '{"code":404,"message":"Sandbox \\"x\\" doesn\'t exist","error_code":"SANDBOX_NOT_FOUND"}',
    );
    assert.equal(e.code, 'SANDBOX_NOT_FOUND');
    assert.equal(e.status, 404);
    assert.equal(apiError(401, 'nope').code, 'UNAUTHENTICATED');
    const c = connectionError(
      'http://h:1',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
    );
    assert.equal(c.message, 'cannot reach the SoulBox server at http://h:1 (ECONNREFUSED)');
  });
});
