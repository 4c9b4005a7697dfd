export { type AccessPolicy, createAccessPolicy } from './access-policy.js';
export { type DataPlaneRule, dataPlaneRule } from './data-plane-rules.js';
export {
  ACTIONS,
  type Action,
  ALL_PERMISSIONS,
  expandPermissions,
  intersect,
  isPermissionPattern,
  isSubset,
  type Permission,
  type PermissionSet,
  RESOURCES,
  type Resource,
  sortedPermissions,
} from './permissions.js';
export {
  BUILTIN_ROLES,
  type BuiltinRole,
  createRoleRegistry,
  type RoleInfo,
  type RoleRegistry,
  type RoleRegistryOptions,
  type RoleSourceKind,
  type TenantRoleSource,
  validateRoleName,
} from './roles.js';
export { createRouteMatcher, type RouteMatch, type RouteMatcher, unruledRoutes } from './route-matcher.js';
export { ROUTE_RULES, type RouteRule } from './route-rules.js';
