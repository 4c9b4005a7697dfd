/**
 * Names shared by envd and the server that starts it (re-exported from index.ts).
 * Keep this file free of imports: the server loads it without envd's dependencies.
 */

/** Env var holding the config file path. */
export const CONFIG_ENV_VAR = 'SOULBOX_ENVD_CONFIG';

/** Socket file names inside the config's `socketDir`. */
export const ENVD_SOCKET_NAME = 'envd.sock';
export const CONTROL_SOCKET_NAME = 'control.sock';

/** `Upgrade` token of `GET /tunnel/{port}` on control.sock. */
export const TUNNEL_PROTOCOL = 'soulbox-tunnel';

/** Entry file inside the bundle directory. */
export const BUNDLE_ENTRY = 'envd.cjs';
