import type { Identity } from '../auth/index.js';

/** Hono environment of the REST API: the request's identity and id travel in typed context. */
export interface ApiEnv {
  Variables: {
    identity: Identity;
    requestId: string;
  };
}
