import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPortAccess, type PortAccess } from './port-access.js';

const secured = { id: 'sbx1', accessToken: 'a'.repeat(64), trafficToken: null };
const priv = { id: 'sbx2', accessToken: 'a'.repeat(64), trafficToken: 't'.repeat(64) };
const open = { id: 'sbx3', accessToken: null, trafficToken: null };

const verdict = (v: PortAccess) => (v.ok ? 'ok' : v.status);
const code = (v: PortAccess) => (v.ok ? undefined : (v.body as { error_code: string }).error_code);

describe('port access', () => {
  it('leaves public ports of any sandbox open', () => {
    assert.equal(verdict(checkPortAccess(secured, 8000, 'GET', '/', {})), 'ok');
    assert.equal(verdict(checkPortAccess(open, 8000, 'GET', '/', {})), 'ok');
  });

  it('answers private ports only with the traffic token or the access token', () => {
    const missing = checkPortAccess(priv, 8000, 'GET', '/', {});
    assert.equal(verdict(missing), 403);
    assert.equal(code(missing), 'TRAFFIC_TOKEN_REQUIRED');
    assert.match(JSON.stringify(missing), /Token header 'e2b-traffic-access-token' is missing/);
    const wrong = checkPortAccess(priv, 8000, 'GET', '/', { 'e2b-traffic-access-token': 'x'.repeat(64) });
    assert.equal(verdict(wrong), 403);
    assert.match(JSON.stringify(wrong), /Provided token is invalid/);
    assert.equal(
      verdict(checkPortAccess(priv, 8000, 'GET', '/', { 'e2b-traffic-access-token': 't'.repeat(64) })),
      'ok',
    );
    assert.equal(
      verdict(checkPortAccess(priv, 8000, 'GET', '/', { 'x-access-token': 'a'.repeat(64) })),
      'ok',
    );
    // A wrong access token does not stand in for a traffic token.
    assert.equal(verdict(checkPortAccess(priv, 8000, 'GET', '/', { 'x-access-token': 'b'.repeat(64) })), 403);
  });

  it('treats port 49999 of a secured sandbox as code execution: X-Access-Token required', () => {
    for (const [method, path] of [
      ['POST', '/execute'],
      ['GET', '/'],
      ['POST', '/contexts/x/anything'],
      ['PUT', '/contexts'],
    ] as const) {
      const v = checkPortAccess(secured, 49999, method, path, {});
      assert.equal(verdict(v), 401, `${method} ${path}`);
      assert.equal(code(v), 'UNAUTHENTICATED');
    }
    assert.equal(
      verdict(checkPortAccess(secured, 49999, 'POST', '/execute', { 'x-access-token': 'a'.repeat(64) })),
      'ok',
    );
    // Even with the traffic token: it opens ports, not code execution.
    assert.equal(
      verdict(
        checkPortAccess(priv, 49999, 'POST', '/execute', { 'e2b-traffic-access-token': 't'.repeat(64) }),
      ),
      401,
    );
    // Not secured: E2B's rule (anyone who knows the id), like envd itself.
    assert.equal(verdict(checkPortAccess(open, 49999, 'POST', '/execute', {})), 'ok');
  });

  it("lets the code interpreter's context routes (sent without X-Access-Token) follow the port rule", () => {
    for (const [method, path] of [
      ['GET', '/health'],
      ['GET', '/contexts'],
      ['POST', '/contexts'],
      ['DELETE', '/contexts/ctx1'],
      ['POST', '/contexts/ctx1/restart'],
    ] as const) {
      assert.equal(verdict(checkPortAccess(secured, 49999, method, path, {})), 'ok', `${method} ${path}`);
      assert.equal(verdict(checkPortAccess(priv, 49999, method, path, {})), 403);
      assert.equal(
        verdict(checkPortAccess(priv, 49999, method, path, { 'e2b-traffic-access-token': 't'.repeat(64) })),
        'ok',
      );
      // A wrong access token sent there is refused, not ignored.
      assert.equal(verdict(checkPortAccess(secured, 49999, method, path, { 'x-access-token': 'nope' })), 401);
    }
  });
});
