import { SoulBox } from '@soulbox/sdk';
import type { Command } from 'commander';
import { readConfigFile, writeConfigFile } from '../config/config-file.js';
import { type CliIo, contextFor, example } from '../context.js';
import { CliError } from '../format/errors.js';

/** Reads one line from stdin (the key, typed or piped). */
async function readLine(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) io.stderr.write('API key: ');
  let text = '';
  for await (const chunk of io.stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0]!.trim();
}

/** `soulbox login`: checks the endpoint and key against the server, then stores them. */
export function registerLogin(program: Command, io: CliIo): void {
  const cmd = program
    .command('login')
    .description('check an endpoint and API key against the server and save them in the config file')
    .action(async (_o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const s = ctx.settings();
      const apiKey =
        s.sources.apiKey === 'flag' || s.sources.apiKey === 'env' ? s.apiKey! : await readLine(io);
      if (!apiKey) throw new CliError('no API key given');
      const client = new SoulBox({ apiUrl: s.url, apiKey });
      await client.sandboxes.list({ state: ['running'] });
      writeConfigFile(s.configFile, { ...readConfigFile(s.configFile), url: s.url, apiKey });
      if (ctx.json) ctx.printJson({ url: s.url, configFile: s.configFile });
      else ctx.print(`logged in to ${s.url}; saved in ${s.configFile}`);
    });
  example(cmd, 'soulbox login --url http://127.0.0.1:3000 --api-key e2b_…', 'echo "$KEY" | soulbox login');
}
