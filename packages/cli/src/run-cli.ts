import { CommanderError } from 'commander';
import type { CliIo } from './context.js';
import { EXIT_FAILURE, formatError } from './format/errors.js';
import { createProgram } from './program.js';

/**
 * Runs the CLI on `argv` (without node and the script). The one place errors are caught:
 * each becomes one line `soulbox: <message>` on stderr and a non-zero exit status.
 * @returns the exit status
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  program.exitOverride();
  for (const c of allCommands(program)) c.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; its own message is already printed.
      return err.exitCode === 0 ? 0 : EXIT_FAILURE;
    }
    io.stderr.write(`soulbox: ${formatError(err)}\n`);
    return EXIT_FAILURE;
  }
}

function allCommands(c: import('commander').Command): import('commander').Command[] {
  return c.commands.flatMap((s) => [s, ...allCommands(s)]);
}
