import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { type CliIo, example } from '../context.js';
import { CliError } from '../format/errors.js';

/** The server's entry point, from the installed @soulbox/server package. */
function serverMain(): string {
  try {
    return fileURLToPath(new URL('./main.js', import.meta.resolve('@soulbox/server')));
  } catch (err) {
    throw new CliError(`the SoulBox server package is not installed (${(err as Error).message})`);
  }
}

/** `soulbox serve [-- server flags]`: runs the server in the foreground (as `npm start` does after set-up). */
export function registerServe(program: Command, io: CliIo): void {
  const cmd = program
    .command('serve')
    .description('run the SoulBox server in the foreground (needs root; flags as for npm start)')
    .argument('[serverFlags...]', 'server flags, e.g. --port 3001 --data-dir /srv/soulbox (see -- --help)')
    .allowUnknownOption()
    .helpOption('-H, --serve-help', 'help for the serve verb itself')
    .action(async (flags: string[]) => {
      const child = spawn(process.execPath, [serverMain(), ...flags], { stdio: 'inherit', env: io.env });
      // The server shuts down gracefully on SIGINT/SIGTERM; pass them on and wait for it.
      const offs = (['SIGINT', 'SIGTERM'] as const).map((s) => io.onSignal(s, () => child.kill(s)));
      const code = await new Promise<number>((resolve) => {
        child.on('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
        child.on('error', () => resolve(1));
      });
      for (const off of offs) off();
      process.exitCode = code;
    });
  example(cmd, 'soulbox serve', 'soulbox serve -- --port 3001 --data-dir /srv/soulbox');
}
