/**
 * @soulbox/envd for the server: where the bundle is, the config contract and socket names.
 * envd itself runs inside sandboxes from the bundle (see bundleDir()); nothing here starts it.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export {
  DEFAULT_SOCKET_DIR,
  DEFAULT_USER,
  DEFAULT_WORKDIR,
  type EnvdConfig,
  EnvdConfigError,
  type EnvdConfigFile,
  parseEnvdConfig,
} from './config/envd-config.js';
export { DEFAULT_CONFIG_PATH } from './config/load-config.js';

export {
  BUNDLE_ENTRY,
  CONFIG_ENV_VAR,
  CONTROL_SOCKET_NAME,
  ENVD_SOCKET_NAME,
  TUNNEL_PROTOCOL,
} from './contract.js';

/**
 * Absolute path of `packages/envd/bundle/`, the self-contained directory (envd.cjs, the
 * native addon, envd-exec, node-pty) that the server copies to `/.soulbox/envd/`.
 * Built by `npm run build` (scripts/bundle.mjs).
 */
export function bundleDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bundle');
}
