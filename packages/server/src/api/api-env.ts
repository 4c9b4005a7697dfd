import type { HttpBindings } from '@hono/node-server';
import type { Identity } from '../auth/index.js';

/** Hono environment of the REST API: the request's identity and id travel in typed context. */
export interface ApiEnv {
  /** Node's request and response (absent when the app is called in-process, e.g. `app.request`). */
  Bindings: Partial<HttpBindings>;
  Variables: {
    identity: Identity;
    requestId: string;
  };
}
