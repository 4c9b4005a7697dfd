/**
 * envd's start-up configuration: JSON the host passes on an inherited file descriptor
 * (contract.ts), so that it never sits in a file the sandbox can read.
 */
export interface EnvdConfig {
  /** The sandbox's ID (exported to processes as `E2B_SANDBOX_ID`). */
  readonly sandboxId: string;
  /** The template the sandbox was created from (`E2B_TEMPLATE_ID`). */
  readonly templateId: string;
  /**
   * The secret every request from the host carries (`x-soulbox-host-secret`). Random per
   * sandbox, at least 32 characters; never given to processes envd starts.
   */
  readonly hostSecret: string;
  /**
   * Largest size of envd's log (its stdout, a file on the host) before envd empties it and
   * starts again, so that nothing a sandbox does can fill the host's disk through it.
   * @default 8388608 (8 MiB)
   */
  readonly logMaxBytes: number;
  /**
   * Sandbox-wide environment variables for every process (create-time `envVars`).
   * @default {}
   */
  readonly envVars: Readonly<Record<string, string>>;
  /**
   * User for requests that name none.
   * @default "user"
   */
  readonly defaultUser: string;
  /**
   * Working directory for processes and for empty paths. `""` or `null` in the file means
   * none: processes then start in the user's home.
   * @default "/home/user"
   */
  readonly defaultWorkdir: string | undefined;
  /** If set, written to `/proc/<pid>/oom_score_adj` of every spawned process (-1000…1000). */
  readonly childOomScoreAdj?: number | undefined;
  /**
   * Serve the code interpreter (`@e2b/code-interpreter`) on 127.0.0.1:49999 and start the
   * default python and javascript kernels at boot. Set for `code-interpreter-v1` sandboxes.
   * @default false
   */
  readonly codeInterpreter: boolean;
}

/** The JSON shape the server writes (optional keys take the defaults above). */
export interface EnvdConfigFile {
  sandboxId: string;
  templateId: string;
  hostSecret: string;
  logMaxBytes?: number;
  envVars?: Record<string, string>;
  defaultUser?: string;
  defaultWorkdir?: string | null;
  childOomScoreAdj?: number;
  codeInterpreter?: boolean;
}

export const DEFAULT_LOG_MAX_BYTES = 8 * 1024 * 1024;
/** Shortest accepted log cap: room for many lines between two truncations. */
export const MIN_LOG_MAX_BYTES = 64 * 1024;
/** Shortest accepted host secret (base64url of 24 random bytes). */
export const MIN_HOST_SECRET_LENGTH = 32;
export const DEFAULT_USER = 'user';
export const DEFAULT_WORKDIR = '/home/user';

/** Invalid configuration; `setting` names the offending key. */
export class EnvdConfigError extends Error {
  override readonly name = 'EnvdConfigError';

  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`invalid envd config: ${setting}: ${message}`);
  }
}

const KNOWN_KEYS = new Set([
  'sandboxId',
  'templateId',
  'hostSecret',
  'logMaxBytes',
  'envVars',
  'defaultUser',
  'defaultWorkdir',
  'childOomScoreAdj',
  'codeInterpreter',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') throw new EnvdConfigError(key, 'must be a non-empty string');
  return value;
}

function optionalString(input: Record<string, unknown>, key: string, fallback: string): string {
  return input[key] === undefined ? fallback : requireString(input, key);
}

/** Checks env var names the way a shell would accept them in `export NAME=…`. */
export function parseEnvVars(value: unknown, setting: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new EnvdConfigError(setting, 'must be an object of strings');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw new EnvdConfigError(`${setting}.${name}`, 'is not a valid environment variable name');
    }
    if (typeof v !== 'string' || v.includes('\0')) {
      throw new EnvdConfigError(`${setting}.${name}`, 'must be a string without NUL bytes');
    }
    out[name] = v;
  }
  return out;
}

function parseWorkdir(value: unknown): string | undefined {
  if (value === undefined) return DEFAULT_WORKDIR;
  if (value === null || value === '') return undefined;
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw new EnvdConfigError('defaultWorkdir', 'must be an absolute path, "" or null');
  }
  return value;
}

function parseOomScoreAdj(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -1000 || value > 1000) {
    throw new EnvdConfigError('childOomScoreAdj', 'must be an integer from -1000 to 1000');
  }
  return value;
}

function parseHostSecret(value: unknown): string {
  if (typeof value !== 'string' || value.length < MIN_HOST_SECRET_LENGTH || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new EnvdConfigError(
      'hostSecret',
      `must be at least ${MIN_HOST_SECRET_LENGTH} characters of A-Z a-z 0-9 _ -`,
    );
  }
  return value;
}

function parseLogMaxBytes(value: unknown): number {
  if (value === undefined) return DEFAULT_LOG_MAX_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < MIN_LOG_MAX_BYTES) {
    throw new EnvdConfigError('logMaxBytes', `must be an integer of at least ${MIN_LOG_MAX_BYTES}`);
  }
  return value;
}

function parseBoolean(input: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = input[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new EnvdConfigError(key, 'must be true or false');
  return value;
}

/**
 * Validates parsed JSON into an {@link EnvdConfig}, applying defaults.
 * Unknown keys are rejected so a typo in the server fails loudly at start-up.
 * @throws EnvdConfigError naming the first bad setting
 */
export function parseEnvdConfig(input: unknown): EnvdConfig {
  if (!isRecord(input)) throw new EnvdConfigError('(root)', 'must be a JSON object');
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new EnvdConfigError(key, 'unknown setting');
  }
  return {
    sandboxId: requireString(input, 'sandboxId'),
    templateId: requireString(input, 'templateId'),
    hostSecret: parseHostSecret(input.hostSecret),
    logMaxBytes: parseLogMaxBytes(input.logMaxBytes),
    envVars: parseEnvVars(input.envVars, 'envVars'),
    defaultUser: optionalString(input, 'defaultUser', DEFAULT_USER),
    defaultWorkdir: parseWorkdir(input.defaultWorkdir),
    childOomScoreAdj: parseOomScoreAdj(input.childOomScoreAdj),
    codeInterpreter: parseBoolean(input, 'codeInterpreter', false),
  };
}
