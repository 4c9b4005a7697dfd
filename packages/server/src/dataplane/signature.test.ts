import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkEnvdAccess, fileSignature } from './signature.js';

const token = 'tok123';

describe('file URL signatures', () => {
  it('matches the E2B algorithm (v1_ + unpadded base64 sha256)', () => {
    const raw = '/home/user/hello.txt:read:root:tok123';
    const expected = `v1_${createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`;
    assert.equal(
      fileSignature({ path: '/home/user/hello.txt', operation: 'read', user: 'root', accessToken: token }),
      expected,
    );
  });

  it('accepts a valid signature and refuses a forged or expired one', () => {
    const sig = fileSignature({
      path: '/a',
      operation: 'write',
      user: '',
      accessToken: token,
      expiration: 2000,
    });
    const url = (s: string, exp = '2000') =>
      new URL(`http://x/files?path=%2Fa&signature=${encodeURIComponent(s)}&signature_expiration=${exp}`);
    assert.deepEqual(
      checkEnvdAccess({
        accessToken: token,
        method: 'POST',
        url: url(sig),
        headerToken: undefined,
        nowS: 1000,
      }),
      {
        ok: true,
      },
    );
    assert.equal(
      checkEnvdAccess({
        accessToken: token,
        method: 'POST',
        url: url(`${sig}x`),
        headerToken: undefined,
        nowS: 1000,
      }).ok,
      false,
    );
    assert.deepEqual(
      checkEnvdAccess({
        accessToken: token,
        method: 'POST',
        url: url(sig),
        headerToken: undefined,
        nowS: 3000,
      }),
      {
        ok: false,
        message: 'signature is already expired',
      },
    );
    // A signature for reading does not allow writing.
    const read = fileSignature({
      path: '/a',
      operation: 'read',
      user: '',
      accessToken: token,
      expiration: 2000,
    });
    assert.equal(
      checkEnvdAccess({
        accessToken: token,
        method: 'POST',
        url: url(read),
        headerToken: undefined,
        nowS: 1000,
      }).ok,
      false,
    );
  });

  it('requires the token header on RPC paths but not on /health', () => {
    const rpc = new URL('http://x/process.Process/Start');
    assert.equal(
      checkEnvdAccess({ accessToken: token, method: 'POST', url: rpc, headerToken: undefined }).ok,
      false,
    );
    assert.equal(
      checkEnvdAccess({ accessToken: token, method: 'POST', url: rpc, headerToken: 'nope' }).ok,
      false,
    );
    assert.equal(
      checkEnvdAccess({ accessToken: token, method: 'POST', url: rpc, headerToken: token }).ok,
      true,
    );
    assert.equal(
      checkEnvdAccess({
        accessToken: token,
        method: 'GET',
        url: new URL('http://x/health'),
        headerToken: undefined,
      }).ok,
      true,
    );
    assert.equal(
      checkEnvdAccess({ accessToken: null, method: 'POST', url: rpc, headerToken: undefined }).ok,
      true,
    );
  });
});
