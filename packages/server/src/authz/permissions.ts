import { SoulBoxError } from '../errors/index.js';

/** What a permission is about. */
export const RESOURCES = ['sandbox', 'template', 'file', 'network', 'key', 'tenant', 'audit'] as const;
/** What a permission allows on its resource. */
export const ACTIONS = ['create', 'read', 'update', 'delete', 'execute', 'connect'] as const;

export type Resource = (typeof RESOURCES)[number];
export type Action = (typeof ACTIONS)[number];
/** A permission: `resource:action`, e.g. `sandbox:create`. */
export type Permission = `${Resource}:${Action}`;
/** A resolved set of permissions. */
export type PermissionSet = ReadonlySet<Permission>;

/** Every permission there is. */
export const ALL_PERMISSIONS: readonly Permission[] = RESOURCES.flatMap((r) =>
  ACTIONS.map((a): Permission => `${r}:${a}`),
);

const PATTERN = /^(\*|[a-z]+):(\*|[a-z]+)$|^\*$/;

/** Whether `s` is a permission pattern: `resource:action`, with `*` for either part, or `*` alone. */
export function isPermissionPattern(s: string): boolean {
  const m = PATTERN.exec(s);
  if (!m) return false;
  if (s === '*') return true;
  const [, r, a] = m;
  return (
    (r === '*' || (RESOURCES as readonly string[]).includes(r!)) &&
    (a === '*' || (ACTIONS as readonly string[]).includes(a!))
  );
}

/**
 * Expands permission patterns (`sandbox:*`, `*:read`, `*`) into the concrete permissions they
 * cover. Throws INVALID_ARGUMENT naming the first pattern that is not one.
 */
export function expandPermissions(patterns: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const p of patterns) {
    if (!isPermissionPattern(p)) {
      throw new SoulBoxError(
        'INVALID_ARGUMENT',
        `'${p}' is not a permission: use resource:action with resource one of ${RESOURCES.join(', ')} and action one of ${ACTIONS.join(', ')} (or * for either)`,
      );
    }
    const [r, a] = p === '*' ? ['*', '*'] : p.split(':');
    for (const perm of ALL_PERMISSIONS) {
      const [pr, pa] = perm.split(':');
      if ((r === '*' || r === pr) && (a === '*' || a === pa)) out.add(perm);
    }
  }
  return out;
}

/** Whether every permission of `inner` is in `outer`. */
export function isSubset(inner: PermissionSet, outer: PermissionSet): boolean {
  for (const p of inner) if (!outer.has(p)) return false;
  return true;
}

/** The permissions of both sets. */
export function intersect(a: PermissionSet, b: PermissionSet): Set<Permission> {
  const out = new Set<Permission>();
  for (const p of a) if (b.has(p)) out.add(p);
  return out;
}

/** Permissions sorted in catalogue order (for stable answers). */
export function sortedPermissions(set: PermissionSet): Permission[] {
  return ALL_PERMISSIONS.filter((p) => set.has(p));
}
