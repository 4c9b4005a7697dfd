import type { TemplateInfo } from '@soulbox/sdk';
import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';
import { formatBytes, formatRelative, formatTable } from '../format/table.js';

/** The template table (pure). */
export function formatTemplateTable(rows: readonly TemplateInfo[], now = Date.now()): string {
  return formatTable(
    ['NAME', 'KIND', 'STATUS', 'SIZE', 'BUILT'],
    rows.map((t) => [
      t.templateID,
      t.kind,
      t.buildStatus,
      t.sizeBytes ? formatBytes(t.sizeBytes) : '-',
      formatRelative(t.updatedAt, now),
    ]),
  );
}

/** `soulbox template list`. */
export function registerTemplateList(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('list')
    .alias('ls')
    .description('list the templates your tenant can use (built-in, its own and public ones)')
    .action(async (_o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const rows = await ctx.client().templates.list();
      if (ctx.json) ctx.printJson(rows);
      else ctx.print(formatTemplateTable(rows));
    });
  example(cmd, 'soulbox template list');
}
