import { configFilePath, readConfigFile } from './config-file.js';

/** The default server: `npm start` / `soulbox serve` listen here. */
export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** Where the endpoint and key came from, for `soulbox config`. */
export type Source = 'flag' | 'env' | 'config' | 'default' | 'none';

/** Endpoint and key, resolved. */
export interface ResolvedConnection {
  url: string;
  apiKey: string | undefined;
  sources: { url: Source; apiKey: Source };
  configFile: string;
}

/**
 * Flags, then `SOULBOX_URL` / `SOULBOX_API_KEY`, then the config file, then the default URL.
 * The only place the CLI reads the environment for settings.
 */
export function resolveConnectionSettings(
  flags: { url?: string; apiKey?: string },
  env: NodeJS.ProcessEnv,
): ResolvedConnection {
  const configFile = configFilePath(env);
  const file = readConfigFile(configFile);
  const pick = <T>(...c: [T | undefined, Source][]): [T | undefined, Source] =>
    c.find(([v]) => v !== undefined && v !== '') ?? [undefined, 'none'];
  const [url, urlSource] = pick<string>(
    [flags.url, 'flag'],
    [env.SOULBOX_URL, 'env'],
    [file.url, 'config'],
    [DEFAULT_URL, 'default'],
  );
  const [apiKey, keySource] = pick<string>(
    [flags.apiKey, 'flag'],
    [env.SOULBOX_API_KEY, 'env'],
    [file.apiKey, 'config'],
  );
  return { url: url!, apiKey, sources: { url: urlSource, apiKey: keySource }, configFile };
}
