import type { Command } from 'commander';
import { type CliIo, contextFor, example, positiveInt } from '../context.js';

/** `soulbox sandbox resume <id>`. */
export function registerSandboxResume(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('resume')
    .description('resume a paused sandbox')
    .argument('<sandboxId>', 'the sandbox')
    .option('--timeout <seconds>', 'lifetime from now', positiveInt('--timeout'))
    .action(async (id: string, o: { timeout?: number }, c: Command) => {
      const ctx = contextFor(c, io);
      await ctx.client().sandboxes.connect(id, { timeoutS: o.timeout });
      if (ctx.json) ctx.printJson({ sandboxId: id, state: 'running' });
      else ctx.print(`resumed ${id}`);
    });
  example(cmd, 'soulbox sandbox resume i0abc123def456ghi789 --timeout 600');
}
