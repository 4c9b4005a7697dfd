/**
 * What envd and the host that starts it agree on (re-exported from index.ts).
 * Keep this file free of imports: the server loads it without envd's dependencies.
 *
 * envd creates no socket and reads no file to learn its configuration. The host creates
 * both listening unix sockets in a directory the sandbox cannot see and passes them, with
 * the config, as inherited file descriptors (`runc run --preserve-fds 3`):
 *
 *   fd 3  listening socket of the `api` server (E2B's envd protocol)
 *   fd 4  listening socket of the `control` server (health, init, tunnels)
 *   fd 5  the config JSON, read to its end and closed at start
 *
 * Every request on either server carries {@link HOST_SECRET_HEADER} with the config's
 * `hostSecret`; envd answers anything else with 401.
 */

/** Listening socket of envd's `api` server, inherited from the host. */
export const API_LISTEN_FD = 3;
/** Listening socket of envd's `control` server, inherited from the host. */
export const CONTROL_LISTEN_FD = 4;
/** The config JSON, inherited from the host; read once, then closed. */
export const CONFIG_FD = 5;
/** File descriptors after stdio that the host passes (`runc run --preserve-fds`). */
export const PASSED_FD_COUNT = 3;

/** Request header carrying the per-sandbox secret of the host↔envd channel (lower case). */
export const HOST_SECRET_HEADER = 'x-soulbox-host-secret';

/** Socket file names in the host's socket directory (envd never sees them). */
export const ENVD_SOCKET_NAME = 'envd.sock';
export const CONTROL_SOCKET_NAME = 'control.sock';

/** `Upgrade` token of `GET /tunnel/{port}` on the control server. */
export const TUNNEL_PROTOCOL = 'soulbox-tunnel';

/** Entry file inside the bundle directory. */
export const BUNDLE_ENTRY = 'envd.cjs';
