import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRouteMatcher, unruledRoutes } from './route-matcher.js';
import { ROUTE_RULES } from './route-rules.js';

describe('route rules', () => {
  const match = createRouteMatcher(ROUTE_RULES);
  it('maps E2B routes to permissions', () => {
    assert.equal(match('POST', '/v2/sandboxes')?.rule.permission, 'sandbox:create');
    assert.equal(match('GET', '/sandboxes/abc')?.rule.permission, 'sandbox:read');
    assert.equal(match('HEAD', '/sandboxes/abc')?.rule.permission, 'sandbox:read');
    const kill = match('DELETE', '/sandboxes/abc');
    assert.equal(kill?.rule.permission, 'sandbox:delete');
    assert.equal(kill?.params.id, 'abc');
    assert.equal(match('POST', '/sandboxes/abc/connect')?.rule.permission, 'sandbox:connect');
    assert.equal(match('GET', '/sandboxes/abc/logs/stream')?.rule.permission, 'sandbox:read');
    assert.equal(match('POST', '/v3/templates')?.rule.permission, 'template:create');
    assert.equal(match('DELETE', '/templates/x')?.rule.permission, 'template:delete');
  });
  it('maps admin routes and decodes parameters', () => {
    const m = match('DELETE', '/admin/tenants/t%2D1/roles/ops');
    assert.equal(m?.rule.permission, 'tenant:update');
    assert.deepEqual(m?.params, { tenantId: 't-1', name: 'ops' });
    assert.equal(match('GET', '/admin/audit/verify')?.rule.operatorOnly, true);
    assert.equal(match('GET', '/admin/whoami')?.rule.permission, null);
  });
  it('has no rule for unknown routes, and lists app routes without one', () => {
    assert.equal(match('POST', '/sandboxes/abc/snapshots'), undefined);
    assert.deepEqual(
      unruledRoutes(
        [
          { method: 'GET', path: '/sandboxes/:id' },
          { method: 'POST', path: '/sandboxes/:id/snapshots' },
          { method: 'ALL', path: '/*' },
        ],
        match,
      ),
      [{ method: 'POST', path: '/sandboxes/:id/snapshots' }],
    );
  });
});
