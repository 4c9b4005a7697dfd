import { readFileSync } from 'node:fs';
import { CONFIG_ENV_VAR } from '../contract.js';
import { type EnvdConfig, EnvdConfigError, parseEnvdConfig } from './envd-config.js';

/** Where the server writes the config when `SOULBOX_ENVD_CONFIG` is not set. */
export const DEFAULT_CONFIG_PATH = '/run/soulbox/config.json';

/** PATH for processes when envd itself was started without one. */
export const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Everything envd takes from its environment at start-up. */
export interface EnvdStartup {
  readonly configPath: string;
  readonly config: EnvdConfig;
  /** envd's own PATH, passed on to every process (upstream envd does the same). */
  readonly pathEnv: string;
}

/**
 * Reads and validates the config. This is the only module that looks at the environment;
 * the rest of envd gets values passed in.
 * @throws EnvdConfigError when the file is missing, not JSON, or invalid
 */
export function loadStartup(env: NodeJS.ProcessEnv): EnvdStartup {
  const configPath = env[CONFIG_ENV_VAR] || DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvdConfigError(CONFIG_ENV_VAR, `cannot read ${configPath}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvdConfigError(CONFIG_ENV_VAR, `${configPath} is not valid JSON: ${reason}`);
  }
  return { configPath, config: parseEnvdConfig(json), pathEnv: env.PATH || FALLBACK_PATH };
}
