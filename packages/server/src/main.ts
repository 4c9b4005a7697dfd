#!/usr/bin/env node
import { configHelp, loadConfig } from './config/index.js';
import { isSoulBoxError } from './errors/index.js';
import { startServer } from './server.js';
import { renderTemplateProgress } from './template/index.js';
import { createLogger } from './util/logger.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${configHelp()}\n`);
    return;
  }
  const config = loadConfig({ argv });
  const logger = createLogger({ level: config.logLevel });
  const server = await startServer(config, { logger, onTemplateProgress: renderTemplateProgress });
  const out = process.stdout;
  out.write(`\nSoulBox is running at ${server.url}\n\n`);
  if (server.tlsUrl) out.write(`  TLS listener: ${server.tlsUrl}\n\n`);
  for (const w of server.warnings) out.write(`  warning: ${w}\n`);
  // The key is shown once, when it is made: later starts name the file, so that it does not
  // end up in every log of the server's output.
  const generated = server.adminKeyCreated && server.adminKeyFile !== undefined;
  if (generated) out.write(`  Admin API key: ${server.adminKey}   (saved in ${server.adminKeyFile})\n\n`);
  else if (server.adminKeyFile)
    out.write(`  Admin API key: in ${server.adminKeyFile} (shown only when it was made)\n\n`);
  const keyHint = generated
    ? server.adminKey
    : server.adminKeyFile
      ? `$(cat ${server.adminKeyFile})`
      : '<your SOULBOX_ADMIN_KEY>';
  out.write('  Point the official E2B SDK at it:\n\n');
  out.write(`    export E2B_API_URL=${server.url}\n`);
  out.write(`    export E2B_SANDBOX_URL=${server.url}\n`);
  out.write(`    export E2B_API_KEY=${keyHint}\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      config.shutdown.killSandboxes
        ? 'shutting down; killing sandboxes'
        : 'shutting down; sandboxes keep running and are adopted at the next start',
      { signal },
    );
    server.close({ killSandboxes: config.shutdown.killSandboxes }).then(
      () => process.exit(0),
      (err) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const message = isSoulBoxError(err)
    ? `${err.code}: ${err.message}`
    : err instanceof Error
      ? err.stack
      : String(err);
  process.stderr.write(`soulbox: ${message}\n`);
  process.exit(1);
});
