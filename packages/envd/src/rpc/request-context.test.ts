import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuthUsername } from './request-context.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('basicAuthUsername', () => {
  it('reads the user from Basic auth like Go BasicAuth', () => {
    assert.equal(basicAuthUsername(basic('user:')), 'user');
    assert.equal(basicAuthUsername(basic('root:ignored')), 'root');
    assert.equal(basicAuthUsername(`basic   ${Buffer.from('x:').toString('base64')}`), 'x');
    assert.equal(basicAuthUsername(basic(':')), '');
    assert.equal(basicAuthUsername(basic('nocolon')), undefined);
    assert.equal(basicAuthUsername('Bearer abc'), undefined);
    assert.equal(basicAuthUsername(null), undefined);
  });
});
