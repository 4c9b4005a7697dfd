import { SoulBox } from '@soulbox/sdk';
import type { Command } from 'commander';
import { type ResolvedConnection, resolveConnectionSettings } from './config/resolve-connection.js';
import { CliError } from './format/errors.js';

/** A stream the CLI writes to (process.stdout / stderr, or a buffer in tests). */
export interface OutStream {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** What the CLI touches of its process: streams, environment, working directory. */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Registers a signal handler; returns a function that removes it. */
  onSignal(signal: NodeJS.Signals, fn: () => void): () => void;
}

/** Global flags (valid on every verb). */
export interface GlobalFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

/** Per-invocation helpers handed to every verb. */
export interface CliContext {
  readonly io: CliIo;
  readonly json: boolean;
  /** Endpoint and key, resolved from flags, env and the config file. */
  settings(): ResolvedConnection;
  /** The SDK client; a clear error when no API key is configured. */
  client(): SoulBox;
  /** Prints a line on stdout. */
  print(line: string): void;
  /** Prints a value as JSON on stdout (the `--json` output). */
  printJson(value: unknown): void;
  /** Prints a line on stderr (progress, notes). */
  note(line: string): void;
}

/** Builds the context from the command's (and its parents') options. */
export function contextFor(cmd: Command, io: CliIo): CliContext {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  let settings: ResolvedConnection | undefined;
  const resolve = () => {
    settings ??= resolveConnectionSettings({ url: flags.url, apiKey: flags.apiKey }, io.env);
    return settings;
  };
  return {
    io,
    json: flags.json === true,
    settings: resolve,
    client() {
      const s = resolve();
      if (!s.apiKey) {
        throw new CliError('no API key: pass --api-key, set SOULBOX_API_KEY, or run `soulbox login`');
      }
      try {
        return new SoulBox({ apiUrl: s.url, apiKey: s.apiKey });
      } catch (err) {
        throw new CliError(`bad server URL ${JSON.stringify(s.url)}: ${(err as Error).message}`);
      }
    },
    print: (line) => io.stdout.write(`${line}\n`),
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    note: (line) => io.stderr.write(`${line}\n`),
  };
}

/** Parses repeated `key=value` flags into an object. */
export function parseKeyValues(
  values: readonly string[] | undefined,
  flag: string,
): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new CliError(`${flag} expects key=value, got '${v}'`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a positive integer flag value. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new CliError(`${flag} must be a positive integer, got '${value}'`);
    return n;
  };
}

/** Adds the standard "Example" section to a verb's --help. */
export function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}
