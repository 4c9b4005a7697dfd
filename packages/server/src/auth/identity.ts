/** Who is making a request, as established by authentication. Travels in the request context. */
export interface Identity {
  /** Stable actor id, e.g. `key:<id>`. */
  actor: string;
  tenantId: string;
  role: string;
  keyId?: string;
}
