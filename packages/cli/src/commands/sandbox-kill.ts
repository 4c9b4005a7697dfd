import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';

/** `soulbox sandbox kill <id...>`. */
export function registerSandboxKill(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('kill')
    .alias('rm')
    .description('kill sandboxes (their files are gone)')
    .argument('<sandboxIds...>', 'one or more sandboxes')
    .action(async (ids: string[], _o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const client = ctx.client();
      for (const id of ids) {
        await client.sandboxes.kill(id);
        if (!ctx.json) ctx.print(`killed ${id}`);
      }
      if (ctx.json) ctx.printJson({ killed: ids });
    });
  example(
    cmd,
    'soulbox sandbox kill i0abc123def456ghi789',
    'soulbox sandbox list --json | jq -r ".[].sandboxID" | xargs soulbox sandbox kill',
  );
}
