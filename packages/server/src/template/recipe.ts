import { createHash } from 'node:crypto';
import { BASE_RECIPE } from './base-recipe.js';
import { FINALIZE_SCRIPT, PREPARE_SCRIPT } from './build-scripts.js';
import { CODE_INTERPRETER_RECIPE } from './code-interpreter-recipe.js';

/**
 * Bump when the build changes in a way the hashed texts do not show (apt options, owners,
 * debootstrap flags), so that every cached template is rebuilt.
 * 2: owners stay the image's (0..65535); they used to be shifted into one host range.
 */
export const RECIPE_VERSION = 2;

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
  /** Other names that resolve to this recipe (`code-interpreter` → `code-interpreter-v1`). */
  readonly aliases?: readonly string[];
  readonly parent: { readonly debootstrap: DebootstrapSource } | { readonly template: string };
  /** Installed with `apt-get install --no-install-recommends`. */
  readonly aptPackages: readonly string[];
  /** Bash, run as root in the template's chroot after the packages (`set -euo pipefail`). */
  readonly setupScript: string;
  /**
   * Sandboxes of this template (and of templates built on it) run envd's code interpreter
   * on port 49999. Not part of the hash: it changes what envd does, not the rootfs.
   * @default false
   */
  readonly codeInterpreter?: boolean;
}

/** Every template the server can build. */
export const RECIPES: readonly TemplateRecipe[] = [BASE_RECIPE, CODE_INTERPRETER_RECIPE];

/** A recipe with its parents expanded: one Debian bootstrap, then layers oldest first. */
export interface ResolvedRecipe {
  readonly name: string;
  readonly source: DebootstrapSource;
  readonly layers: readonly TemplateRecipe[];
  /** Every package the layers ask for, in install order, without duplicates. */
  readonly packages: readonly string[];
  /** Whether a layer turns on the code interpreter. */
  readonly codeInterpreter: boolean;
}

/**
 * Template names double as directory names: keep them plain. Up to 80 characters: a
 * non-operator tenant's template directory is its name (≤ 64) plus `__` and 10 hex digits.
 */
export const TEMPLATE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,79}$/;

/** The recipe called `name`, by its name or one of its aliases. */
function findRecipe(name: string, recipes: readonly TemplateRecipe[]): TemplateRecipe | undefined {
  return recipes.find((r) => r.name === name) ?? recipes.find((r) => r.aliases?.includes(name));
}

/** The recipe name an alias stands for; any other name is returned as it is. */
export function canonicalTemplateName(name: string, recipes: readonly TemplateRecipe[] = RECIPES): string {
  return findRecipe(name, recipes)?.name ?? name;
}

/**
 * Expands `name` (or an alias) through its parents; `undefined` if it (or a parent) is
 * unknown or the chain loops. The result carries the recipe's own name, never the alias.
 */
export function resolveRecipe(
  name: string,
  recipes: readonly TemplateRecipe[] = RECIPES,
): ResolvedRecipe | undefined {
  const layers: TemplateRecipe[] = [];
  let current = findRecipe(name, recipes);
  const canonical = current?.name ?? name;
  while (current) {
    if (layers.includes(current)) return undefined;
    layers.unshift(current);
    const parent = current.parent;
    if ('debootstrap' in parent) {
      const packages = [...new Set(layers.flatMap((l) => l.aptPackages))];
      const codeInterpreter = layers.some((l) => l.codeInterpreter === true);
      return { name: canonical, source: parent.debootstrap, layers, packages, codeInterpreter };
    }
    current = recipes.find((r) => r.name === parent.template);
  }
  return undefined;
}

/**
 * The cache key of a template: sha256 over everything that decides its contents: the
 * Debian source, each layer's packages and script, the shared build scripts and
 * {@link RECIPE_VERSION}. The mirror is left out: any mirror serves the same packages.
 */
export function recipeHash(recipe: ResolvedRecipe): string {
  const input = {
    recipeVersion: RECIPE_VERSION,
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
