import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BASE_RECIPE } from './base-recipe.js';
import { canonicalTemplateName, RECIPES, recipeHash, resolveRecipe, type TemplateRecipe } from './recipe.js';

const child: TemplateRecipe = {
  name: 'code-interpreter',
  parent: { template: 'base' },
  aptPackages: ['python3-numpy', 'git'],
  setupScript: 'true\n',
};

describe('resolveRecipe', () => {
  it('resolves base to one debootstrap layer', () => {
    const base = resolveRecipe('base');
    assert.ok(base);
    assert.deepEqual(base.source, { suite: 'bookworm', variant: 'minbase' });
    assert.deepEqual(
      base.layers.map((l) => l.name),
      ['base'],
    );
    for (const pkg of ['bash', 'python3', 'python-is-python3', 'nodejs', 'npm', 'git', 'curl', 'sudo']) {
      assert.ok(base.packages.includes(pkg), pkg);
    }
  });

  it('expands a child template through its parent, parent first, without duplicate packages', () => {
    const resolved = resolveRecipe('code-interpreter', [BASE_RECIPE, child]);
    assert.ok(resolved);
    assert.deepEqual(
      resolved.layers.map((l) => l.name),
      ['base', 'code-interpreter'],
    );
    assert.equal(resolved.packages.filter((p) => p === 'git').length, 1);
    assert.equal(resolved.packages.at(-1), 'python3-numpy');
  });

  it('resolves code-interpreter-v1 and its alias to one recipe on base, with the code interpreter on', () => {
    const byAlias = resolveRecipe('code-interpreter');
    const byName = resolveRecipe('code-interpreter-v1');
    assert.ok(byAlias && byName);
    assert.equal(byAlias.name, 'code-interpreter-v1');
    assert.deepEqual(byAlias, byName);
    assert.deepEqual(
      byName.layers.map((l) => l.name),
      ['base', 'code-interpreter-v1'],
    );
    assert.equal(byName.codeInterpreter, true);
    assert.equal(resolveRecipe('base')?.codeInterpreter, false);
    for (const pkg of ['python3-ipykernel', 'python3-matplotlib', 'python3-pandas', 'python3-numpy']) {
      assert.ok(byName.packages.includes(pkg), pkg);
    }
    assert.equal(canonicalTemplateName('code-interpreter'), 'code-interpreter-v1');
    assert.equal(canonicalTemplateName('my-template'), 'my-template');
  });

  it('rejects unknown names, unknown parents and loops', () => {
    assert.equal(resolveRecipe('nope'), undefined);
    assert.equal(resolveRecipe('code-interpreter', [child]), undefined);
    const a: TemplateRecipe = { ...child, name: 'a', parent: { template: 'b' } };
    const b: TemplateRecipe = { ...child, name: 'b', parent: { template: 'a' } };
    assert.equal(resolveRecipe('a', [a, b]), undefined);
  });
});

describe('recipeHash', () => {
  const base = resolveRecipe('base', RECIPES);
  assert.ok(base);

  it('is a stable sha256 of the recipe', () => {
    const h = recipeHash(base);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(recipeHash(base), h);
    assert.equal(
      recipeHash(resolveRecipe('base', [{ ...BASE_RECIPE }]) ?? base),
      h,
      'a copy hashes the same',
    );
  });

  it('changes with the packages and the script', () => {
    const h = recipeHash(base);
    const morePackages = resolveRecipe('base', [
      { ...BASE_RECIPE, aptPackages: [...BASE_RECIPE.aptPackages, 'vim'] },
    ]);
    const otherScript = resolveRecipe('base', [
      { ...BASE_RECIPE, setupScript: `${BASE_RECIPE.setupScript}true\n` },
    ]);
    assert.ok(morePackages && otherScript);
    assert.notEqual(recipeHash(morePackages), h);
    assert.notEqual(recipeHash(otherScript), h);
  });
});
