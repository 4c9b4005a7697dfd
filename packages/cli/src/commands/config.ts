import type { Command } from 'commander';
import { CONFIG_KEYS, type ConfigKey, readConfigFile, writeConfigFile } from '../config/config-file.js';
import { type CliIo, contextFor, example } from '../context.js';
import { CliError } from '../format/errors.js';

/** Shows a key as `e2b_1234…cdef`: enough to tell keys apart, not enough to use one. */
export function maskKey(key: string | undefined): string {
  if (!key) return '(none)';
  return key.length <= 12 ? '****' : `${key.slice(0, 8)}…${key.slice(-4)}`;
}

function checkKey(key: string): ConfigKey {
  if (!(CONFIG_KEYS as readonly string[]).includes(key))
    throw new CliError(`unknown setting '${key}' (known: ${CONFIG_KEYS.join(', ')})`);
  return key as ConfigKey;
}

/** `soulbox config [show|get|set|unset|path]`: the endpoint and key in the user's config dir. */
export function registerConfig(program: Command, io: CliIo): void {
  const config = program
    .command('config')
    .description('show or change the saved endpoint and API key (flags and env override them)');
  const show = config
    .command('show', { isDefault: true })
    .description('show the effective endpoint and key, and where each comes from')
    .action((_o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const s = ctx.settings();
      if (ctx.json)
        ctx.printJson({
          url: s.url,
          apiKey: maskKey(s.apiKey),
          sources: s.sources,
          configFile: s.configFile,
        });
      else {
        ctx.print(`url:     ${s.url}   (${s.sources.url})`);
        ctx.print(`apiKey:  ${maskKey(s.apiKey)}   (${s.sources.apiKey})`);
        ctx.print(`file:    ${s.configFile}`);
      }
    });
  example(show, 'soulbox config');
  const get = config
    .command('get')
    .description('print one saved setting')
    .argument('<key>', `one of ${CONFIG_KEYS.join(', ')}`)
    .action((key: string, _o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const value = readConfigFile(ctx.settings().configFile)[checkKey(key)];
      if (ctx.json) ctx.printJson({ [key]: value ?? null });
      else if (value !== undefined) ctx.print(value);
    });
  example(get, 'soulbox config get url');
  const set = config
    .command('set')
    .description('save a setting')
    .argument('<key>', `one of ${CONFIG_KEYS.join(', ')}`)
    .argument('<value>', 'the value')
    .action((key: string, value: string, _o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const file = ctx.settings().configFile;
      writeConfigFile(file, { ...readConfigFile(file), [checkKey(key)]: value });
      if (ctx.json) ctx.printJson({ configFile: file });
      else ctx.print(`saved ${key} in ${file}`);
    });
  example(set, 'soulbox config set url http://10.0.0.5:3000');
  const unset = config
    .command('unset')
    .description('remove a saved setting')
    .argument('<key>', `one of ${CONFIG_KEYS.join(', ')}`)
    .action((key: string, _o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const file = ctx.settings().configFile;
      const cur = readConfigFile(file);
      delete cur[checkKey(key)];
      writeConfigFile(file, cur);
      if (ctx.json) ctx.printJson({ configFile: file });
      else ctx.print(`removed ${key} from ${file}`);
    });
  example(unset, 'soulbox config unset apiKey');
  const where = config
    .command('path')
    .description('print the config file path')
    .action((_o: object, c: Command) => {
      const ctx = contextFor(c, io);
      if (ctx.json) ctx.printJson({ configFile: ctx.settings().configFile });
      else ctx.print(ctx.settings().configFile);
    });
  example(where, 'soulbox config path');
  example(config, 'soulbox config', 'soulbox config set url http://10.0.0.5:3000');
}
