import { closeSync, readFileSync } from 'node:fs';
import { CONFIG_FD } from '../contract.js';
import { type EnvdConfig, EnvdConfigError, parseEnvdConfig } from './envd-config.js';

/** PATH for processes when envd itself was started without one. */
export const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Largest config accepted (envVars included). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Everything envd takes from its environment at start-up. */
export interface EnvdStartup {
  readonly config: EnvdConfig;
  /** envd's own PATH, passed on to every process (upstream envd does the same). */
  readonly pathEnv: string;
}

/**
 * Reads the config JSON from the inherited descriptor {@link CONFIG_FD} and closes it, so
 * that no process envd starts inherits it. This is the only module that looks at the
 * environment; the rest of envd gets values passed in.
 * @throws EnvdConfigError when the descriptor is not open, or the config is not valid JSON or invalid
 */
export function loadStartup(env: NodeJS.ProcessEnv, fd: number = CONFIG_FD): EnvdStartup {
  const setting = `config (fd ${fd})`;
  let text: string;
  try {
    const data = readFileSync(fd);
    if (data.length > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    text = data.toString('utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvdConfigError(
      setting,
      `cannot read it: ${reason} (envd is started by the host with its config on fd ${fd})`,
    );
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Not open: reported above.
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnvdConfigError(setting, `not valid JSON: ${reason}`);
  }
  return { config: parseEnvdConfig(json), pathEnv: env.PATH || FALLBACK_PATH };
}
