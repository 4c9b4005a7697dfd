import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CONTROL_SOCKET_NAME,
  ENVD_SOCKET_NAME,
  HOST_SECRET_HEADER,
  MIN_HOST_SECRET_LENGTH,
  PASSED_FD_COUNT,
} from '@soulbox/envd';
import type { RuncRunOptions } from './runc.js';

/**
 * The host↔envd channel of one sandbox. Everything lives in `<sandbox dir>/sock/`, a 0700
 * directory of root that is never mounted into the sandbox, so nothing in it can be
 * replaced or redirected from inside:
 *
 *   envd.sock, control.sock  listening sockets, created by envd-launch, held by envd
 *   secret                   the per-sandbox host secret (0600), for adopted sandboxes
 *   config.json              envd's config (0600), removed once runc has started envd
 */
export interface EnvdChannelFiles {
  dir: string;
  apiSocket: string;
  controlSocket: string;
  secret: string;
  config: string;
}

/** Largest envd log (`sandbox.log`) before envd empties it. */
export const ENVD_LOG_MAX_BYTES = 8 * 1024 * 1024;

export function channelFiles(sandboxDir: string): EnvdChannelFiles {
  const dir = path.join(sandboxDir, 'sock');
  return {
    dir,
    apiSocket: path.join(dir, ENVD_SOCKET_NAME),
    controlSocket: path.join(dir, CONTROL_SOCKET_NAME),
    secret: path.join(dir, 'secret'),
    config: path.join(dir, 'config.json'),
  };
}

/**
 * Creates the channel dir with a fresh secret and envd's config (the secret included).
 * The sandbox dir must be new. Returns the secret.
 */
export function prepareChannel(files: EnvdChannelFiles, envdConfig: object): string {
  fs.mkdirSync(files.dir, { mode: 0o700 });
  fs.chmodSync(files.dir, 0o700);
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(files.secret, secret, { mode: 0o600, flag: 'wx' });
  const config = { ...envdConfig, hostSecret: secret, logMaxBytes: ENVD_LOG_MAX_BYTES };
  fs.writeFileSync(files.config, JSON.stringify(config), { mode: 0o600, flag: 'wx' });
  return secret;
}

/**
 * How runc is started so that envd gets its sockets and config as fds 3-5: through
 * envd-launch, which binds the sockets and opens the config, with `--preserve-fds 3`.
 */
export function launchOptions(files: EnvdChannelFiles, launcher: string): RuncRunOptions {
  return {
    via: { command: launcher, args: [files.apiSocket, files.controlSocket, files.config] },
    preserveFds: PASSED_FD_COUNT,
  };
}

/** The header that carries `secret`. */
export function secretHeaders(secret: string | undefined): Readonly<Record<string, string>> {
  return secret === undefined ? {} : { [HOST_SECRET_HEADER]: secret };
}

/**
 * Host secrets by sandbox id: kept from start, or read once from the channel dir (a sandbox
 * adopted after a restart). Undefined when there is none; envd then refuses the request.
 */
export interface SecretCache {
  get(sandboxId: string, files: EnvdChannelFiles): string | undefined;
  set(sandboxId: string, secret: string): void;
  forget(sandboxId: string): void;
}

export function createSecretCache(): SecretCache {
  const secrets = new Map<string, string>();
  return {
    get(id, files) {
      let secret = secrets.get(id);
      if (secret !== undefined) return secret;
      try {
        secret = fs.readFileSync(files.secret, 'utf8').trim();
      } catch {
        return undefined;
      }
      if (secret.length < MIN_HOST_SECRET_LENGTH) return undefined;
      secrets.set(id, secret);
      return secret;
    },
    set: (id, secret) => void secrets.set(id, secret),
    forget: (id) => void secrets.delete(id),
  };
}
