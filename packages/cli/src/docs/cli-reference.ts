import type { Command, Option } from 'commander';

function flagOf(o: Option): string {
  return o.flags.replace(/\|/g, '\\|');
}

/** A Markdown table with padded columns (the layout Biome's Markdown formatter keeps). */
function table(header: [string, string], body: [string, string][]): string[] {
  const w = [0, 1].map((i) => Math.max(3, header[i]!.length, ...body.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...body.map(line)];
}

function rows(cmd: Command, path: string[]): string[] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  const out: string[] = [];
  const name = ['soulbox', ...path].join(' ');
  const args = cmd.registeredArguments.map((a) =>
    a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`,
  );
  if (path.length > 0 && (subs.length === 0 || cmd.options.length > 0 || args.length > 0)) {
    const aliases = cmd.aliases().length ? ` (alias: ${cmd.aliases().join(', ')})` : '';
    out.push(`### \`${[name, ...args].join(' ')}\`${aliases}`, '', cmd.description(), '');
    const opts = cmd.options.filter((o) => !o.hidden);
    if (opts.length) {
      const body = opts.map((o): [string, string] => {
        const dflt =
          o.defaultValue !== undefined && typeof o.defaultValue !== 'boolean'
            ? ` (default: ${String(o.defaultValue)})`
            : '';
        return [`\`${flagOf(o)}\``, `${o.description}${dflt}`];
      });
      out.push(...table(['Flag', 'Meaning'], body), '');
    }
  }
  for (const s of subs) out.push(...rows(s, [...path, s.name()]));
  return out;
}

/**
 * The verb and flag reference of docs/cli.md, generated from the commander tree. A test
 * keeps the file equal to it, so the docs cannot drift from the code.
 */
export function renderCliReference(program: Command): string {
  const globals = program.options.filter((o) => !o.hidden);
  const lines = [
    '## Global flags',
    '',
    'Valid on every verb.',
    '',
    ...table(
      ['Flag', 'Meaning'],
      globals.map((o): [string, string] => [`\`${flagOf(o)}\``, o.description]),
    ),
    '',
    '## Verbs',
    '',
    ...rows(program, []),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
