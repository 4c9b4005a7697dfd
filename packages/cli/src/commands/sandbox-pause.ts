import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';

/** `soulbox sandbox pause <id>`. */
export function registerSandboxPause(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('pause')
    .description('freeze a sandbox (processes stop; memory and files are kept)')
    .argument('<sandboxId>', 'the sandbox')
    .action(async (id: string, _o: object, c: Command) => {
      const ctx = contextFor(c, io);
      await ctx.client().sandboxes.pause(id);
      if (ctx.json) ctx.printJson({ sandboxId: id, state: 'paused' });
      else ctx.print(`paused ${id}`);
    });
  example(cmd, 'soulbox sandbox pause i0abc123def456ghi789');
}
