export { type Config, type ConfigInput, configSchema, loadConfig } from './config/index.js';
export { ERROR_CODES, type ErrorCode, SoulBoxError } from './errors/index.js';
export { type SoulBoxServer, type StartServerOptions, startServer } from './server.js';
