export { CLI_FLAGS, type ConfigSources, configHelp, loadConfig } from './load-config.js';
export { type Config, type ConfigInput, configSchema } from './schema.js';
