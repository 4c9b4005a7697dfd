import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_PERMISSIONS, expandPermissions, intersect, isSubset } from './permissions.js';
import { BUILTIN_ROLES } from './roles.js';

describe('permissions', () => {
  it('expands wildcards', () => {
    assert.equal(expandPermissions(['*']).size, ALL_PERMISSIONS.length);
    assert.deepEqual([...expandPermissions(['sandbox:*'])].sort(), [
      'sandbox:connect',
      'sandbox:create',
      'sandbox:delete',
      'sandbox:execute',
      'sandbox:read',
      'sandbox:update',
    ]);
    const reads = expandPermissions(['*:read']);
    assert.equal(reads.size, 7);
    assert.ok(reads.has('audit:read'));
  });
  it('refuses what is not a permission, naming it', () => {
    assert.throws(() => expandPermissions(['sandbox:fly']), /'sandbox:fly' is not a permission/);
    assert.throws(() => expandPermissions(['ship:read']), /ship:read/);
    assert.throws(() => expandPermissions(['sandbox']), /sandbox/);
  });
  it('orders the built-in roles: viewer ⊂ developer ⊂ admin ⊂ owner', () => {
    const [owner, admin, developer, viewer] = (['owner', 'admin', 'developer', 'viewer'] as const).map((r) =>
      expandPermissions(BUILTIN_ROLES[r]),
    );
    assert.ok(isSubset(admin!, owner!) && !isSubset(owner!, admin!));
    assert.ok(isSubset(developer!, admin!) && !isSubset(admin!, developer!));
    assert.ok(!viewer!.has('sandbox:create'));
    assert.ok(!admin!.has('tenant:delete'));
    assert.deepEqual(
      [...intersect(developer!, expandPermissions(['sandbox:read', 'key:read']))],
      ['sandbox:read'],
    );
  });
});
