/**
 * The closed set of error codes SoulBox answers with. One table maps each code to its HTTP
 * status (REST and data plane), its Connect code and a short description; docs/errors.md is
 * kept equal to this table by a test.
 */
export const ERROR_CODES = {
  INVALID_ARGUMENT: {
    http: 400,
    connect: 'invalid_argument',
    description: 'A request field is missing, malformed or out of range.',
  },
  MALFORMED_JSON: {
    http: 400,
    connect: 'invalid_argument',
    description: 'The request body is not valid JSON.',
  },
  INVALID_REQUEST_FRAMING: {
    http: 400,
    connect: 'invalid_argument',
    description:
      'A data-plane request with a body on GET, HEAD, DELETE, OPTIONS or TRACE, or with conflicting Content-Length / Transfer-Encoding; refused so that no byte of it can be read as a second request.',
  },
  UNAUTHENTICATED: {
    http: 401,
    connect: 'unauthenticated',
    description: 'No credential, or the credential is unknown, revoked or expired.',
  },
  FORBIDDEN: {
    http: 403,
    connect: 'permission_denied',
    description: 'The credential is valid but may not do this.',
  },
  INSECURE_SANDBOX_REFUSED: {
    http: 403,
    connect: 'permission_denied',
    description: 'The server does not allow `secure: false` sandboxes (setting `sandbox.allowInsecure`).',
  },
  TRAFFIC_TOKEN_REQUIRED: {
    http: 403,
    connect: 'permission_denied',
    description:
      "The sandbox's ports are private (`allowPublicTraffic: false`): the request lacks its `e2b-traffic-access-token` (or `X-Access-Token`), or carries a wrong one (data plane).",
  },
  NOT_FOUND: { http: 404, connect: 'not_found', description: 'No such route or resource.' },
  SANDBOX_NOT_FOUND: {
    http: 404,
    connect: 'not_found',
    description: 'The sandbox does not exist (or belongs to someone else).',
  },
  TEMPLATE_NOT_FOUND: { http: 404, connect: 'not_found', description: 'The template does not exist.' },
  TENANT_NOT_FOUND: {
    http: 404,
    connect: 'not_found',
    description: 'The tenant does not exist (or is not visible to the caller).',
  },
  KEY_NOT_FOUND: {
    http: 404,
    connect: 'not_found',
    description: 'The API key does not exist (or belongs to another tenant).',
  },
  USER_NOT_FOUND: {
    http: 404,
    connect: 'not_found',
    description: 'The user does not exist (or belongs to another tenant).',
  },
  ROLE_NOT_FOUND: { http: 404, connect: 'not_found', description: 'The role does not exist in that tenant.' },
  TEMPLATE_IN_USE: {
    http: 409,
    connect: 'failed_precondition',
    description: 'The template cannot be deleted while sandboxes use it.',
  },
  SANDBOX_STATE_CONFLICT: {
    http: 409,
    connect: 'failed_precondition',
    description: 'The sandbox is not in a state that allows this (already paused, changing state, ...).',
  },
  CONFLICT: {
    http: 409,
    connect: 'already_exists',
    description:
      'The resource already exists, or is still in use (a tenant with sandboxes, a role held by keys).',
  },
  PAYLOAD_TOO_LARGE: {
    http: 413,
    connect: 'resource_exhausted',
    description: 'The request body is larger than allowed.',
  },
  RATE_LIMITED: {
    http: 429,
    connect: 'resource_exhausted',
    description: 'Too many requests or a quota is exhausted.',
  },
  QUOTA_EXCEEDED: {
    http: 429,
    connect: 'resource_exhausted',
    description:
      "The tenant's quota does not allow this (the message names the limit: maxSandboxes, maxVcpus, maxMemoryMiB, maxDiskMiB, maxLifetimeS, createsPerMinute).",
  },
  INTERNAL: {
    http: 500,
    connect: 'internal',
    description: 'An unexpected error; the cause is in the server log.',
  },
  SANDBOX_START_FAILED: {
    http: 500,
    connect: 'internal',
    description: 'The runtime could not start the sandbox.',
  },
  TEMPLATE_BUILD_FAILED: { http: 500, connect: 'internal', description: 'Building the template failed.' },
  SANDBOX_UNREACHABLE: {
    http: 502,
    connect: 'unavailable',
    description: 'The sandbox is gone, paused or not answering (data plane).',
  },
  PORT_NOT_OPEN: {
    http: 502,
    connect: 'unavailable',
    description: 'Nothing listens on that port inside the sandbox (data plane).',
  },
  NODE_FULL: {
    http: 503,
    connect: 'resource_exhausted',
    description:
      'The node has no room for the sandbox (allocated CPU or memory at capacity); try again after others end.',
  },
  RUNTIME_UNAVAILABLE: {
    http: 503,
    connect: 'unavailable',
    description: 'The host cannot run sandboxes (runtime binary or kernel feature missing).',
  },
  INSUFFICIENT_STORAGE: {
    http: 507,
    connect: 'resource_exhausted',
    description: "The sandbox's disk limit or the host's disk is full.",
  },
} as const satisfies Record<string, { http: number; connect: string; description: string }>;

/** A stable SoulBox error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** HTTP status for a code. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].http;
}
