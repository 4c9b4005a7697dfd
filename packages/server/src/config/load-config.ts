import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { SoulBoxError } from '../errors/index.js';
import { type Config, type ConfigInput, configSchema } from './schema.js';

/** Command-line flags the server accepts; each maps to a config key. */
export const CLI_FLAGS = {
  port: {
    type: 'string',
    key: 'port',
    env: 'SOULBOX_PORT',
    description: 'Port for the API and data plane (default 3000)',
  },
  host: {
    type: 'string',
    key: 'host',
    env: 'SOULBOX_HOST',
    description: 'Address to listen on (default 127.0.0.1)',
  },
  'data-dir': {
    type: 'string',
    key: 'dataDir',
    env: 'SOULBOX_DATA_DIR',
    description: 'Data directory (default /var/lib/soulbox)',
  },
  'templates-dir': {
    type: 'string',
    key: 'templatesDir',
    env: 'SOULBOX_TEMPLATES_DIR',
    description: 'Template cache (default <data-dir>/templates)',
  },
  domain: {
    type: 'string',
    key: 'domain',
    env: 'SOULBOX_DOMAIN',
    description: 'Domain for {port}-{id}.{domain} routing (default localhost)',
  },
  runtime: {
    type: 'string',
    key: 'runtime.binary',
    env: 'SOULBOX_RUNTIME',
    description: 'OCI runtime binary (default runc)',
  },
  'log-level': {
    type: 'string',
    key: 'logLevel',
    env: 'SOULBOX_LOG_LEVEL',
    description: 'debug | info | warn | error',
  },
  'admin-key': {
    type: 'string',
    key: 'adminKey',
    env: 'SOULBOX_ADMIN_KEY',
    description: 'Bootstrap admin API key',
  },
  'debian-mirror': {
    type: 'string',
    key: 'debianMirror',
    env: 'SOULBOX_DEBIAN_MIRROR',
    description: 'Debian mirror for template builds',
  },
  'disk-quota': {
    type: 'string',
    key: 'disk.quota',
    env: 'SOULBOX_DISK_QUOTA',
    description: 'auto | xfs | none',
  },
  'jwt-secret': {
    type: 'string',
    key: 'auth.jwt.hs256Secrets',
    env: 'SOULBOX_JWT_SECRET',
    description: 'HS256 secret(s) for bearer tokens, comma-separated (each ≥ 32 characters)',
  },
  'jwt-issuer': {
    type: 'string',
    key: 'auth.jwt.issuer',
    env: 'SOULBOX_JWT_ISSUER',
    description: 'Required iss of HS256/static-key tokens',
  },
  'jwt-audience': {
    type: 'string',
    key: 'auth.jwt.audience',
    env: 'SOULBOX_JWT_AUDIENCE',
    description: 'Required aud of bearer tokens',
  },
  'oidc-issuer': {
    type: 'string',
    key: 'auth.jwt.oidc',
    env: 'SOULBOX_OIDC_ISSUER',
    description: 'OpenID Connect issuer URL(s), comma-separated (keys from their JWKS)',
  },
  'tls-port': {
    type: 'string',
    key: 'tls.port',
    env: 'SOULBOX_TLS_PORT',
    description: 'Port of a TLS listener beside the plain one',
  },
  'tls-cert': {
    type: 'string',
    key: 'tls.certFile',
    env: 'SOULBOX_TLS_CERT',
    description: 'TLS certificate chain (PEM file)',
  },
  'tls-key': {
    type: 'string',
    key: 'tls.keyFile',
    env: 'SOULBOX_TLS_KEY',
    description: 'TLS private key (PEM file)',
  },
  'tls-client-ca': {
    type: 'string',
    key: 'tls.clientCaFile',
    env: 'SOULBOX_TLS_CLIENT_CA',
    description: 'CA bundle for client certificates (enables mTLS)',
  },
} as const;

/** Where the settings come from, highest precedence first. */
export interface ConfigSources {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Explicit config file; else `--config`, else `$SOULBOX_CONFIG`. */
  file?: string;
}

const NUMERIC_KEYS = new Set(['port', 'tls.port']);
/** Settings that are lists: a flag or variable gives them comma-separated. */
const LIST_KEYS = new Set(['auth.jwt.hs256Secrets', 'auth.jwt.oidc']);

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let obj = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof obj[p] !== 'object' || obj[p] === null) obj[p] = {};
    obj = obj[p] as Record<string, unknown>;
  }
  obj[parts.at(-1)!] = value;
}

function coerce(key: string, raw: string, origin: string): unknown {
  if (LIST_KEYS.has(key))
    return raw
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  if (!NUMERIC_KEYS.has(key)) return raw;
  if (!/^\d+$/.test(raw))
    throw new SoulBoxError('INVALID_ARGUMENT', `${origin}: expected a number, got '${raw}'`);
  return Number(raw);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * Reads the configuration: flags > environment > config file > defaults. This is the only
 * module that reads `process.env`. Throws a SoulBoxError naming the bad setting.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const options = Object.fromEntries([
    ...Object.keys(CLI_FLAGS).map((name) => [name, { type: 'string' as const }]),
    ['config', { type: 'string' as const }],
    ['help', { type: 'boolean' as const, short: 'h' }],
  ]);
  let parsed: { values: Record<string, unknown> };
  try {
    parsed = parseArgs({ args: [...(sources.argv ?? [])], options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new SoulBoxError('INVALID_ARGUMENT', (err as Error).message);
  }

  let fromFile: Record<string, unknown> = {};
  const file = sources.file ?? (parsed.values.config as string | undefined) ?? env.SOULBOX_CONFIG;
  if (file) {
    try {
      fromFile = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new SoulBoxError('INVALID_ARGUMENT', `config file ${file}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  const fromFlags: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(CLI_FLAGS)) {
    const e = env[spec.env];
    if (e !== undefined && e !== '') setPath(fromEnv, spec.key, coerce(spec.key, e, spec.env));
    const f = parsed.values[flag];
    if (typeof f === 'string') setPath(fromFlags, spec.key, coerce(spec.key, f, `--${flag}`));
  }
  const merged = deepMerge(deepMerge(fromFile, fromEnv), fromFlags) as ConfigInput;
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.join('.') || '(root)';
    throw new SoulBoxError('INVALID_ARGUMENT', `invalid setting ${where}: ${issue.message}`, {
      details: { issues: z.treeifyError(result.error) },
    });
  }
  return result.data;
}

/** Help text for the flags. */
export function configHelp(): string {
  const lines = Object.entries(CLI_FLAGS).map(
    ([flag, spec]) => `  --${flag.padEnd(16)} ${spec.description} [$${spec.env}]`,
  );
  return [
    'Usage: soulbox-server [options]',
    '',
    ...lines,
    `  --${'config'.padEnd(16)} JSON config file [$SOULBOX_CONFIG]`,
  ].join('\n');
}
