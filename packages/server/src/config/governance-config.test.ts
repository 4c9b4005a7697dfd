import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './load-config.js';

describe('governance settings', () => {
  it('defaults: API keys on, no JWT sources, no TLS listener, no quotas', () => {
    const c = loadConfig({ argv: [], env: {} });
    assert.equal(c.auth.apiKeys, true);
    assert.equal(c.auth.operatorTenant, 'default');
    assert.deepEqual(c.auth.jwt.hs256Secrets, []);
    assert.deepEqual(c.auth.jwt.claims, { user: 'sub', tenant: 'tenant', roles: 'roles' });
    assert.equal(c.tls.port, undefined);
    assert.deepEqual(c.quotas, {});
    assert.equal(c.metering.sampleIntervalMs, 15_000);
    assert.equal(c.audit.reads, false);
  });
  it('reads JWT, OIDC and TLS flags and variables (lists comma-separated)', () => {
    const secret = 's'.repeat(32);
    const c = loadConfig({
      argv: [
        '--oidc-issuer',
        'https://idp.example/realms/a, https://idp.example/realms/b',
        '--tls-port',
        '8443',
      ],
      env: {
        SOULBOX_JWT_SECRET: `${secret},${'t'.repeat(40)}`,
        SOULBOX_JWT_AUDIENCE: 'soulbox',
        SOULBOX_TLS_CERT: '/etc/soulbox/cert.pem',
        SOULBOX_TLS_KEY: '/etc/soulbox/key.pem',
        SOULBOX_TLS_CLIENT_CA: '/etc/soulbox/ca.pem',
      },
    });
    assert.deepEqual(c.auth.jwt.hs256Secrets, [secret, 't'.repeat(40)]);
    assert.equal(c.auth.jwt.audience, 'soulbox');
    assert.deepEqual(
      c.auth.jwt.oidc.map((o) => [o.issuer, o.algorithms]),
      [
        ['https://idp.example/realms/a', ['RS256', 'ES256', 'PS256', 'EdDSA']],
        ['https://idp.example/realms/b', ['RS256', 'ES256', 'PS256', 'EdDSA']],
      ],
    );
    assert.equal(c.tls.port, 8443);
    assert.equal(c.tls.clientCaFile, '/etc/soulbox/ca.pem');
  });
  it('refuses short secrets, bad roles and a TLS port without a certificate, naming the setting', () => {
    assert.throws(() => loadConfig({ argv: ['--jwt-secret', 'short'], env: {} }), /auth\.jwt\.hs256Secrets/);
    assert.throws(() => loadConfig({ argv: ['--tls-port', '8443'], env: {} }), /tls/);
    const file = writeTemp({ auth: { roles: { ops: ['sandbox:fly:x'] } } });
    try {
      assert.throws(() => loadConfig({ argv: [], env: {}, file }), /auth\.roles\.ops/);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});

function writeTemp(value: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'c.json');
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}
