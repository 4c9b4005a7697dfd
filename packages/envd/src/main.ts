/**
 * envd's entry point (bundled to envd.cjs). In a sandbox it runs as PID 1:
 *   /.soulbox/lib/ld-linux-x86-64.so.2 --library-path /.soulbox/lib /.soulbox/bin/node /.soulbox/envd/envd.cjs
 * with its listening sockets and config on inherited descriptors (contract.ts).
 * Exit codes: 0 after a clean shutdown, 1 on a start-up failure, 2 on a bad config.
 */
import { EnvdConfigError } from './config/envd-config.js';
import { loadStartup } from './config/load-config.js';
import { API_LISTEN_FD, CONTROL_LISTEN_FD } from './contract.js';
import { startEnvd } from './envd.js';
import { createCappedFileSink, isRegularFile } from './log/capped-file-sink.js';
import { createJsonLogger } from './log/logger.js';
import { loadNative } from './native/envd-native.js';
import { protectFromOomKiller, writeSandboxMarkers } from './pid1/init-duties.js';
import { installShutdownHandlers } from './pid1/shutdown-signals.js';
import { startZombieReaper } from './pid1/zombie-reaper.js';

const EXIT_STARTUP_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;

async function main(): Promise<void> {
  // First of all: root in the sandbox must never ptrace envd or open /proc/1/fd/* (its log
  // on the host, the host's listening sockets, the config with the host secret). Children
  // become dumpable again when they exec.
  const native = loadNative();
  native.setDumpable(false);
  let logger = createJsonLogger();
  let startup: ReturnType<typeof loadStartup>;
  try {
    startup = loadStartup(process.env);
  } catch (error) {
    if (!(error instanceof EnvdConfigError)) throw error;
    logger.error('envd.config_invalid', { setting: error.setting, message: error.message });
    process.stderr.write(`envd: ${error.message}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
  // stdout is the host's sandbox.log: bounded, whatever is logged.
  if (isRegularFile(1)) logger = createJsonLogger(createCappedFileSink(1, startup.config.logMaxBytes));

  const isInit = process.pid === 1;
  // An exception in one request must not take down PID 1 and with it the whole sandbox.
  process.on('uncaughtException', (error) => logger.error('envd.uncaught_exception', { err: error }));
  process.on('unhandledRejection', (error) => logger.error('envd.unhandled_rejection', { err: error }));

  if (isInit) {
    // Files envd creates for users must come out 0644/0755, whatever umask runc left us.
    process.umask(0o022);
    protectFromOomKiller(logger);
    writeSandboxMarkers(startup.config.sandboxId, startup.config.templateId, logger);
  }

  const envd = await startEnvd({
    config: startup.config,
    pathEnv: startup.pathEnv,
    logger,
    listen: { api: { fd: API_LISTEN_FD }, control: { fd: CONTROL_LISTEN_FD } },
  });
  const reaper = isInit
    ? startZombieReaper({ native: envd.native, ownsPid: envd.ownsPid, logger })
    : undefined;
  installShutdownHandlers({
    logger,
    isInit,
    close: async () => {
      await envd.close();
      reaper?.stop();
    },
  });
  logger.info('envd.started', { pid: process.pid, isInit });
}

main().catch((error: unknown) => {
  createJsonLogger().error('envd.start_failed', { err: error });
  process.stderr.write(`envd: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT_STARTUP_FAILURE);
});
