/**
 * envd's start-up configuration, written by the server as JSON to the file named by
 * `SOULBOX_ENVD_CONFIG` (default `/run/soulbox/config.json`).
 */
export interface EnvdConfig {
  /** The sandbox's ID (exported to processes as `E2B_SANDBOX_ID`). */
  readonly sandboxId: string;
  /** The template the sandbox was created from (`E2B_TEMPLATE_ID`). */
  readonly templateId: string;
  /**
   * Directory for `envd.sock` and `control.sock`.
   * @default "/run/soulbox"
   */
  readonly socketDir: string;
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
  socketDir?: string;
  envVars?: Record<string, string>;
  defaultUser?: string;
  defaultWorkdir?: string | null;
  childOomScoreAdj?: number;
  codeInterpreter?: boolean;
}

export const DEFAULT_SOCKET_DIR = '/run/soulbox';
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
  'socketDir',
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
  const socketDir = optionalString(input, 'socketDir', DEFAULT_SOCKET_DIR);
  if (!socketDir.startsWith('/')) throw new EnvdConfigError('socketDir', 'must be an absolute path');
  return {
    sandboxId: requireString(input, 'sandboxId'),
    templateId: requireString(input, 'templateId'),
    socketDir,
    envVars: parseEnvVars(input.envVars, 'envVars'),
    defaultUser: optionalString(input, 'defaultUser', DEFAULT_USER),
    defaultWorkdir: parseWorkdir(input.defaultWorkdir),
    childOomScoreAdj: parseOomScoreAdj(input.childOomScoreAdj),
    codeInterpreter: parseBoolean(input, 'codeInterpreter', false),
  };
}
