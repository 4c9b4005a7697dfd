/** The `soulbox` CLI as a library: its command tree, runner and pure formatters (for tests and docs). */
export { bashCompletion, zshCompletion } from './completion/completion-script.js';
export { type CliConfig, configFilePath } from './config/config-file.js';
export { DEFAULT_URL, resolveConnectionSettings } from './config/resolve-connection.js';
export type { CliIo, OutStream } from './context.js';
export { renderCliReference } from './docs/cli-reference.js';
export { formatError } from './format/errors.js';
export { createProgram, VERSION } from './program.js';
export { runCli } from './run-cli.js';
