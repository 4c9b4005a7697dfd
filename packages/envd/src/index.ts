/**
 * @soulbox/envd for the server: where the bundle and the launcher are, the config and
 * descriptor contract. envd itself runs inside sandboxes from the bundle (see bundleDir());
 * nothing here starts it.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export {
  DEFAULT_LOG_MAX_BYTES,
  DEFAULT_USER,
  DEFAULT_WORKDIR,
  type EnvdConfig,
  EnvdConfigError,
  type EnvdConfigFile,
  MIN_HOST_SECRET_LENGTH,
  parseEnvdConfig,
} from './config/envd-config.js';

export {
  API_LISTEN_FD,
  BUNDLE_ENTRY,
  CONFIG_FD,
  CONTROL_LISTEN_FD,
  CONTROL_SOCKET_NAME,
  ENVD_SOCKET_NAME,
  HOST_SECRET_HEADER,
  PASSED_FD_COUNT,
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

/**
 * Absolute path of `envd-launch`, the static host helper that creates envd's listening
 * sockets and executes the OCI runtime with them (native/envd_launch.c). Built by
 * `npm run build` into `packages/envd/host-bin/`, outside the bundle sandboxes see.
 */
export function launcherPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'host-bin', 'envd-launch');
}
