import type { Command } from 'commander';
import { bashCompletion, zshCompletion } from '../completion/completion-script.js';
import { type CliIo, example } from '../context.js';
import { CliError } from '../format/errors.js';

/** `soulbox completion <bash|zsh>`. */
export function registerCompletion(program: Command, io: CliIo): void {
  const cmd = program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell === 'bash') io.stdout.write(bashCompletion(program));
      else if (shell === 'zsh') io.stdout.write(zshCompletion(program));
      else throw new CliError(`unknown shell '${shell}' (bash or zsh)`);
    });
  example(
    cmd,
    'soulbox completion bash > /etc/bash_completion.d/soulbox',
    'soulbox completion zsh > ~/.zfunc/_soulbox',
  );
}
