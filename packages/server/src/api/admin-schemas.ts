import { z } from 'zod';
import { SoulBoxError } from '../errors/index.js';

/** Quota values: a number sets a limit, null removes the tenant's own value. */
const quotas = z.record(z.string(), z.number().nullable());

/** `POST /admin/tenants`. */
export const createTenantSchema = z.strictObject({
  id: z.string().optional(),
  name: z.string(),
  quotas: quotas.optional(),
});

/** `PATCH /admin/tenants/{id}`. */
export const patchTenantSchema = z.strictObject({
  name: z.string().optional(),
  quotas: quotas.optional(),
});

/** `PUT /admin/tenants/{id}/quotas`. */
export const putQuotasSchema = quotas;

/** `POST /admin/tenants/{id}/keys`. */
export const issueKeySchema = z.strictObject({
  role: z.string().min(1),
  scopes: z.array(z.string()).optional(),
  expiresAt: z.string().optional(),
  name: z.string().min(1).max(200).optional(),
  userId: z.string().optional(),
});

/** `POST /admin/tenants/{id}/users`. */
export const createUserSchema = z.strictObject({
  name: z.string().min(1).max(200),
  email: z.string().email().optional(),
  subject: z.string().min(1).max(500).optional(),
  role: z.string().min(1),
});

/** `PATCH /admin/users/{id}`. */
export const patchUserSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  email: z.string().email().nullable().optional(),
  role: z.string().min(1).optional(),
  disabled: z.boolean().optional(),
});

/** `POST /admin/tenants/{id}/roles`. */
export const createRoleSchema = z.strictObject({
  name: z.string(),
  permissions: z.array(z.string()).min(1),
});

/** An ISO 8601 time from a query parameter, or undefined. */
export function parseTime(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new SoulBoxError('INVALID_ARGUMENT', `${name} must be an ISO 8601 time`);
  return new Date(t).toISOString();
}

/** An integer query parameter, or undefined. */
export function parseIntParam(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new SoulBoxError('INVALID_ARGUMENT', `${name} must be an integer`);
  return Number(raw);
}
