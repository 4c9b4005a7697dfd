import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';

/** `soulbox template delete <name...>`. */
export function registerTemplateDelete(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('delete')
    .alias('rm')
    .description('delete templates of your tenant built from Dockerfiles (refused while sandboxes use them)')
    .argument('<names...>', 'template names')
    .action(async (names: string[], _o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const client = ctx.client();
      for (const n of names) {
        await client.templates.delete(n);
        if (!ctx.json) ctx.print(`deleted template ${n}`);
      }
      if (ctx.json) ctx.printJson({ deleted: names });
    });
  example(cmd, 'soulbox template delete polyglot');
}
