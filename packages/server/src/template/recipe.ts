import { createHash } from 'node:crypto';
import { BASE_RECIPE } from './base-recipe.js';
import { FINALIZE_SCRIPT, PREPARE_SCRIPT } from './build-scripts.js';

/**
 * Bump when the build changes in a way the hashed texts do not show (apt options, the
 * uid shift, debootstrap flags), so that every cached template is rebuilt.
 */
export const RECIPE_VERSION = 1;

/** A Debian release bootstrapped from nothing. */
export interface DebootstrapSource {
  /** @example 'bookworm' */
  readonly suite: string;
  /** @example 'minbase' */
  readonly variant: string;
}

/**
 * How a template is made: start from a parent (a Debian release, or another recipe, whose
 * steps then run first), install Debian packages, run a setup script as root. A
 * code-interpreter template is `{ parent: { template: 'base' }, aptPackages: [...], setupScript }`.
 */
export interface TemplateRecipe {
  readonly name: string;
  readonly parent: { readonly debootstrap: DebootstrapSource } | { readonly template: string };
  /** Installed with `apt-get install --no-install-recommends`. */
  readonly aptPackages: readonly string[];
  /** Bash, run as root in the template's chroot after the packages (`set -euo pipefail`). */
  readonly setupScript: string;
}

/** Every template the server can build. */
export const RECIPES: readonly TemplateRecipe[] = [BASE_RECIPE];

/** A recipe with its parents expanded: one Debian bootstrap, then layers oldest first. */
export interface ResolvedRecipe {
  readonly name: string;
  readonly source: DebootstrapSource;
  readonly layers: readonly TemplateRecipe[];
  /** Every package the layers ask for, in install order, without duplicates. */
  readonly packages: readonly string[];
}

/** Template names double as directory names: keep them plain. */
export const TEMPLATE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Expands `name` through its parents; `undefined` if it (or a parent) is unknown or the chain loops. */
export function resolveRecipe(
  name: string,
  recipes: readonly TemplateRecipe[] = RECIPES,
): ResolvedRecipe | undefined {
  const layers: TemplateRecipe[] = [];
  let current = recipes.find((r) => r.name === name);
  while (current) {
    if (layers.includes(current)) return undefined;
    layers.unshift(current);
    const parent = current.parent;
    if ('debootstrap' in parent) {
      const packages = [...new Set(layers.flatMap((l) => l.aptPackages))];
      return { name, source: parent.debootstrap, layers, packages };
    }
    current = recipes.find((r) => r.name === parent.template);
  }
  return undefined;
}

/**
 * The cache key of a template: sha256 over everything that decides its contents: the
 * Debian source, each layer's packages and script, the shared build scripts, the uid
 * shift (it changes every file's owner) and {@link RECIPE_VERSION}. The mirror is left
 * out: any mirror serves the same packages.
 */
export function recipeHash(recipe: ResolvedRecipe, uidShift: number): string {
  const input = {
    recipeVersion: RECIPE_VERSION,
    uidShift,
    source: { suite: recipe.source.suite, variant: recipe.source.variant },
    layers: recipe.layers.map((l) => ({
      name: l.name,
      aptPackages: l.aptPackages,
      setupScript: l.setupScript,
    })),
    prepareScript: PREPARE_SCRIPT,
    finalizeScript: FINALIZE_SCRIPT,
  };
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}
