export {
  type AdminKeyBootstrap,
  addApiKey,
  authenticateApiKey,
  bootstrapAdminKey,
  generateApiKey,
  hashApiKey,
  keyPrefix,
} from './api-keys.js';
export type { Identity } from './identity.js';
