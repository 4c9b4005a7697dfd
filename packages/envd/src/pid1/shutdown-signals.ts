import type { Logger } from '../log/logger.js';

export interface ShutdownOptions {
  readonly logger: Logger;
  /** Stops envd (processes, servers). */
  readonly close: () => Promise<void>;
  /** True when envd is PID 1 of its namespace. */
  readonly isInit: boolean;
  /** @default process.exit */
  readonly exit?: (code: number) => void;
}

/**
 * SIGTERM/SIGINT: terminate children, close the servers, exit 0. PID 1 gets no default
 * signal actions from the kernel, so without these handlers `runc kill` would be ignored.
 * As PID 1, every process of the sandbox gets SIGTERM first (kill(-1) spares PID 1 itself),
 * not only the ones envd started. A second signal exits at once.
 */
export function installShutdownHandlers(options: ShutdownOptions): () => void {
  const { logger, close, isInit } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      logger.warn('envd.shutdown_forced', { signal });
      exit(1);
      return;
    }
    shuttingDown = true;
    logger.info('envd.shutdown', { signal });
    if (isInit) {
      try {
        process.kill(-1, 'SIGTERM');
      } catch {
        // ESRCH: nothing else is running.
      }
    }
    close().then(
      () => exit(0),
      (error: unknown) => {
        logger.error('envd.shutdown_failed', { err: error });
        exit(1);
      },
    );
  };

  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
