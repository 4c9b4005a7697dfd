import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What `soulbox login` and `soulbox config` store. */
export interface CliConfig {
  /** Base URL of the SoulBox server. */
  url?: string;
  /** API key (`e2b_…`). */
  apiKey?: string;
}

/** Keys `soulbox config set` accepts. */
export const CONFIG_KEYS = ['url', 'apiKey'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/**
 * The config file: `$SOULBOX_CONFIG_DIR/config.json`, else `$XDG_CONFIG_HOME/soulbox/config.json`,
 * else `~/.config/soulbox/config.json` (the user's config dir on Linux).
 */
export function configFilePath(env: NodeJS.ProcessEnv): string {
  const dir =
    env.SOULBOX_CONFIG_DIR ||
    path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config'), 'soulbox');
  return path.join(dir, 'config.json');
}

/** Reads the config file; a missing file is an empty config, a broken one an error naming it. */
export function readConfigFile(file: string): CliConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON; fix or delete it`);
  }
  if (typeof value !== 'object' || value === null) throw new Error(`${file} must hold a JSON object`);
  const v = value as Record<string, unknown>;
  const out: CliConfig = {};
  if (typeof v.url === 'string') out.url = v.url;
  if (typeof v.apiKey === 'string') out.apiKey = v.apiKey;
  return out;
}

/** Writes the config file with mode 0600 (it holds a key). */
export function writeConfigFile(file: string, config: CliConfig): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
