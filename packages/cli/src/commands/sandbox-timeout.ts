import type { Command } from 'commander';
import { type CliIo, contextFor, example, positiveInt } from '../context.js';

/** `soulbox sandbox timeout <id> <seconds>`. */
export function registerSandboxTimeout(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('timeout')
    .description('set when a running sandbox ends: <seconds> from now (may shorten)')
    .argument('<sandboxId>', 'the sandbox')
    .argument('<seconds>', 'new lifetime from now', positiveInt('seconds'))
    .action(async (id: string, seconds: number, _o: object, c: Command) => {
      const ctx = contextFor(c, io);
      await ctx.client().sandboxes.setTimeout(id, seconds);
      const endAt = new Date(Date.now() + seconds * 1000).toISOString();
      if (ctx.json) ctx.printJson({ sandboxId: id, endAt });
      else ctx.print(`${id} now ends at ${endAt}`);
    });
  example(cmd, 'soulbox sandbox timeout i0abc123def456ghi789 3600');
}
