import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { isSoulBoxError } from '../errors/index.js';
import { openStore, type Store } from '../store/index.js';
import {
  createTemplateCatalog,
  isTemplateName,
  type TemplateCatalog,
  templateNameOfDir,
} from './template-catalog.js';
import type { TemplateRootfs, TemplateStore } from './template-store.js';

const RECIPES = new Set(['base', 'code-interpreter-v1', 'code-interpreter']);

/** A template store over a fixed set of directories on "disk". */
function fakeTemplates(onDisk: string[]): TemplateStore {
  const rootfs = (name: string): TemplateRootfs => ({
    name,
    hash: 'f'.repeat(64),
    rootfsDir: `/t/${name}/rootfs`,
    builtAt: '2026-01-01T00:00:00.000Z',
    sizeBytes: 1,
  });
  return {
    dir: '/t',
    ensure: async (name) => rootfs(name),
    get: (name) => (onDisk.includes(name) ? rootfs(name) : undefined),
    known: (name) => RECIPES.has(name) || onDisk.includes(name),
    isRecipe: (name) => RECIPES.has(name),
    list: () => onDisk.map(rootfs),
    remove: async () => {},
  };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isSoulBoxError(err) ? err.code : String(err);
  }
}

describe('template catalog (templates belong to a tenant)', () => {
  let store: Store;
  let disk: string[];
  let catalog: TemplateCatalog;
  beforeEach(() => {
    store = openStore({ file: ':memory:' });
    for (const id of ['t-a', 't-b', 't-c'])
      store.tenants.insert({ id, name: id, quotas: {}, createdAt: new Date().toISOString() });
    // `base` is built; `legacy` was built before templates had owners.
    disk = ['base', 'legacy'];
    catalog = createTemplateCatalog({
      owners: store.templateOwners,
      templates: fakeTemplates(disk),
      operatorTenant: 'default',
    });
  });

  it('gives two tenants their own template under one name, and the operator plain names', () => {
    const a = catalog.claim('t-a', 'app');
    const b = catalog.claim('t-b', 'app');
    const op = catalog.claim('default', 'app');
    assert.match(a.dir, /^app__[0-9a-f]{10}$/);
    assert.match(b.dir, /^app__[0-9a-f]{10}$/);
    assert.notEqual(a.dir, b.dir);
    assert.equal(op.dir, 'app');
    assert.equal(catalog.claim('t-a', 'app').dir, a.dir, 'a rebuild keeps its directory');
    assert.equal(catalog.resolve('t-a', 'app').dir, a.dir);
    assert.equal(catalog.resolve('t-b', 'app').dir, b.dir);
    assert.equal(catalog.resolve('default', 'app').dir, 'app');
    assert.equal(templateNameOfDir(a.dir), 'app');
  });

  it("hides other tenants' private templates as not found, for reads and writes alike", () => {
    catalog.claim('t-a', 'secret');
    assert.equal(
      code(() => catalog.resolve('t-b', 'secret')),
      'TEMPLATE_NOT_FOUND',
    );
    assert.equal(
      code(() => catalog.own('t-b', 'secret')),
      'TEMPLATE_NOT_FOUND',
    );
    assert.deepEqual(
      catalog.visible('t-b').map((t) => t.name),
      ['base'],
    );
    // The operator's legacy template is the operator's, private.
    assert.equal(catalog.resolve('default', 'legacy').ownerTenantId, 'default');
    assert.equal(
      code(() => catalog.resolve('t-a', 'legacy')),
      'TEMPLATE_NOT_FOUND',
    );
  });

  it('never takes a directory for a name: names with "__" resolve to nothing', () => {
    const a = catalog.claim('t-a', 'app');
    disk.push(a.dir);
    for (const tenant of ['default', 't-a', 't-b'])
      assert.equal(
        code(() => catalog.resolve(tenant, a.dir)),
        'TEMPLATE_NOT_FOUND',
        tenant,
      );
    assert.equal(
      code(() => catalog.claim('default', 'x__y')),
      'INVALID_ARGUMENT',
    );
    assert.ok(!isTemplateName('x__y'));
    assert.ok(isTemplateName('x_y-1'));
    assert.ok(
      !catalog.visible('default').some((t) => t.dir === a.dir),
      "the operator's list holds only its own",
    );
  });

  it('lets only the operator publish; public templates are readable by all, writable by the operator', () => {
    catalog.claim('default', 'shared');
    catalog.claim('t-a', 'mine');
    assert.equal(
      code(() => catalog.setPublic('t-a', 'mine', true)),
      'FORBIDDEN',
    );
    assert.equal(
      code(() => catalog.resolve('t-b', 'shared')),
      'TEMPLATE_NOT_FOUND',
    );
    catalog.setPublic('default', 'shared', true);
    assert.deepEqual(catalog.resolve('t-b', 'shared'), {
      name: 'shared',
      dir: 'shared',
      ownerTenantId: 'default',
      public: true,
      builtIn: false,
    });
    assert.equal(
      code(() => catalog.own('t-b', 'shared')),
      'FORBIDDEN',
    );
    // A tenant's own template of that name comes first for it.
    const own = catalog.claim('t-c', 'shared');
    assert.equal(catalog.resolve('t-c', 'shared').dir, own.dir);
    assert.equal(catalog.resolve('t-b', 'shared').dir, 'shared');
    // A legacy template is published in place.
    assert.equal(catalog.setPublic('default', 'legacy', true).dir, 'legacy');
    assert.equal(catalog.resolve('t-a', 'legacy').public, true);
    catalog.setPublic('default', 'legacy', false);
    assert.equal(
      code(() => catalog.resolve('t-a', 'legacy')),
      'TEMPLATE_NOT_FOUND',
    );
  });

  it('keeps built-in recipes readable by all and changeable by nobody', () => {
    for (const tenant of ['default', 't-a']) {
      assert.equal(catalog.resolve(tenant, 'base').builtIn, true);
      assert.equal(catalog.resolve(tenant, 'code-interpreter').dir, 'code-interpreter');
      assert.equal(
        code(() => catalog.claim(tenant, 'base')),
        'INVALID_ARGUMENT',
      );
      assert.equal(
        code(() => catalog.own(tenant, 'base')),
        'INVALID_ARGUMENT',
      );
    }
  });

  it('forgets a name once deleted, so the tenant may build it afresh', () => {
    const a = catalog.claim('t-a', 'app');
    catalog.forget(a);
    assert.equal(
      code(() => catalog.resolve('t-a', 'app')),
      'TEMPLATE_NOT_FOUND',
    );
    assert.notEqual(catalog.claim('t-a', 'app').dir, '');
  });
});
