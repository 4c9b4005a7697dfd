import os from 'node:os';
import { z } from 'zod';
import { isIpv4Cidr } from '../network/ipv4-range.js';
import {
  auditSchema,
  authSchema,
  meteringSchema,
  quotaDefaultsSchema,
  tlsSchema,
} from './governance-schema.js';

const port = z.number().int().min(0).max(65535);

/** Ids per sandbox: container ids 0..65535. */
const RANGE_SIZE = 65_536;
/** The pool ends at or below this, so that no range reaches (uid_t)-1, which means "no id". */
const MAX_POOL_END = 2 ** 32 - RANGE_SIZE;

/**
 * The pool of host id ranges sandboxes are given: range i is base + i*65536 .. + 65535, one
 * per live sandbox (pooled and build sandboxes too). Ranges that touch an entry of the
 * subuid/subgid files are skipped. The default, 2^30 .. 2^30 + 8192*65536 - 1 (up to
 * 0x5fffffff), lies above useradd's subordinate ids (100000..600100000) and below
 * systemd's foreign-uid range (0x7fff0000..).
 */
const uidRangesSchema = z
  .strictObject({
    /** First host uid/gid of the pool (at least 65536: ids below stay the host's). @default 1073741824 */
    base: z
      .number()
      .int()
      .min(RANGE_SIZE)
      .default(2 ** 30),
    /** Ranges in the pool: at most this many sandboxes live at once. @default 8192 */
    count: z.number().int().min(1).default(8192),
    /** Subordinate uids to keep out of the pool (rootless containers of host users). @default '/etc/subuid' */
    subuidFile: z.string().min(1).default('/etc/subuid'),
    /** Subordinate gids to keep out of the pool. @default '/etc/subgid' */
    subgidFile: z.string().min(1).default('/etc/subgid'),
  })
  .refine((r) => r.base + r.count * RANGE_SIZE <= MAX_POOL_END, {
    error: `base + count * ${RANGE_SIZE} must not exceed ${MAX_POOL_END}`,
  })
  .prefault({});

/**
 * The server configuration. Every key has a default, so `npm start` needs none of them.
 * Unknown keys are rejected so that a typo fails at start-up instead of being ignored.
 */
export const configSchema = z.strictObject({
  /** Address the API and data plane listen on. @default '127.0.0.1' */
  host: z.string().min(1).default('127.0.0.1'),
  /** @default 3000 */
  port: port.default(3000),
  /** Where SoulBox keeps its store, sandboxes and templates. @default '/var/lib/soulbox' */
  dataDir: z.string().min(1).default('/var/lib/soulbox'),
  /** Template cache; defaults to `<dataDir>/templates`. */
  templatesDir: z.string().min(1).optional(),
  /** Bootstrap admin API key (`e2b_` + hex). Generated and saved on first start if unset. */
  adminKey: z
    .string()
    .regex(/^e2b_[0-9a-f]{20,}$/, 'must look like e2b_ followed by at least 20 hex digits')
    .optional(),
  /** Domain for `{port}-{sandboxId}.{domain}` host routing. @default 'localhost' */
  domain: z.string().min(1).default('localhost'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Build the `base` template at start-up instead of on the first create. @default true */
  prepareTemplates: z.boolean().default(true),
  runtime: z
    .strictObject({
      /** OCI runtime binary. @default 'runc' */
      binary: z.string().min(1).default('runc'),
      /** The runtime's state root (`--root`); unset = the runtime's own default. */
      root: z.string().min(1).optional(),
      /**
       * Retired: every sandbox now gets its own id range from `uidRanges`. Rejected with a
       * message instead of the generic unknown-key error, so an old config says what changed.
       */
      uidShift: z
        .never({ error: 'runtime.uidShift was removed: each sandbox gets its own range (runtime.uidRanges)' })
        .optional(),
      uidRanges: uidRangesSchema,
      /** 'default' = Docker's capability set, root usable; 'hardened' adds no_new_privs and fewer caps. */
      profile: z.enum(['default', 'hardened']).default('default'),
    })
    .prefault({}),
  sandbox: z
    .strictObject({
      /** Lifetime when the request gives none, seconds. @default 300 */
      defaultTimeoutS: z.number().int().min(1).default(300),
      /** Longest lifetime a request may ask for, seconds. @default 86400 */
      maxTimeoutS: z.number().int().min(1).default(86_400),
      /** @default 2 */
      defaultCpuCount: z.number().int().min(1).default(2),
      /** @default the host's core count */
      maxCpuCount: z.number().int().min(1).default(Math.max(1, os.availableParallelism())),
      /** @default 512 */
      defaultMemoryMiB: z.number().int().min(16).default(512),
      /** @default 8192 */
      maxMemoryMiB: z.number().int().min(16).default(8192),
      /** Writable-layer size limit. @default 2048 */
      defaultDiskMiB: z.number().int().min(16).default(2048),
      /** @default 65536 */
      maxDiskMiB: z.number().int().min(16).default(65_536),
      /** Process/thread limit per sandbox. @default 1024 */
      pidsLimit: z.number().int().min(16).max(1_000_000).default(1024),
      /**
       * Whether a create may ask for `secure: false` (a sandbox whose envd answers anyone who
       * knows its id). false = such creates are refused with INSECURE_SANDBOX_REFUSED.
       * A create that does not mention `secure` is always secured. @default true
       */
      allowInsecure: z.boolean().default(true),
      /**
       * Default of E2B's `network.allowPublicTraffic` when a create does not give it. true =
       * a sandbox's ports answer anyone who knows its id (E2B's default); false = they need
       * the sandbox's traffic token or access token. @default true
       */
      defaultAllowPublicTraffic: z.boolean().default(true),
    })
    .prefault({}),
  network: z
    .strictObject({
      /** Host bridge the sandboxes' veth pairs attach to. @default 'soulbox0' */
      bridge: z
        .string()
        .regex(/^[a-z][a-z0-9]{0,14}$/)
        .default('soulbox0'),
      /** IPv4 /16../24 for sandboxes; the first address is the bridge. @default '10.250.0.0/16' */
      subnet: z
        .string()
        .regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/)
        .default('10.250.0.0/16'),
      /**
       * IPv4 addresses/CIDRs inside the ranges sandboxes never reach by default (cloud
       * metadata 169.254.0.0/16, RFC 1918, 100.64.0.0/10, loopback, multicast, reserved) that
       * they may reach after all, e.g. an internal package mirror. A sandbox's own
       * `network.allowOut` cannot reopen those ranges; this can. @default []
       */
      egressAllow: z
        .array(z.string().refine(isIpv4Cidr, 'must be an IPv4 address or CIDR, e.g. 10.20.0.0/16'))
        .max(256)
        .default([]),
    })
    .prefault({}),
  disk: z
    .strictObject({
      /**
       * How writable-layer limits are enforced. 'xfs' / 'btrfs': the sandboxes dir must be XFS
       * with prjquota / btrfs; 'auto': use either when the sandboxes dir is one, else back it
       * with a sparse loop-mounted image (btrfs, else XFS); 'none': no disk limits (a warning
       * at start-up).
       * @default 'auto'
       */
      quota: z.enum(['auto', 'btrfs', 'xfs', 'none']).default('auto'),
      /** Size of the sparse loop image 'auto' creates, GiB. @default 64 */
      imageSizeGiB: z.number().int().min(1).max(65_536).default(64),
    })
    .prefault({}),
  pool: z
    .strictObject({
      /** Keep pre-started sandboxes so creates take ~ms. @default true */
      enabled: z.boolean().default(true),
      /**
       * Per template: ready sandboxes to keep, at least and at most (the create rate moves it
       * between). `code-interpreter-v1` starts at 0, so nothing is built or started until it is
       * used; pooled ones have their python and javascript kernels up already.
       */
      templates: z
        .record(
          z.string(),
          z.strictObject({ min: z.number().int().min(0).max(1000), max: z.number().int().min(0).max(1000) }),
        )
        .default({ base: { min: 2, max: 8 }, 'code-interpreter-v1': { min: 0, max: 4 } }),
      /** Pooled sandboxes started at once (refills never run while user creates start cold). @default 1 */
      refillConcurrency: z.number().int().min(1).max(64).default(1),
      /** Below this much available host memory the pool empties and stops refilling. @default 1024 */
      minFreeMemoryMiB: z.number().int().min(0).default(1024),
      /** Window of recent creates the adaptive pool size follows, seconds. @default 60 */
      demandWindowS: z.number().int().min(1).max(3600).default(60),
    })
    .prefault({}),
  admission: z
    .strictObject({
      /** Burstable sandboxes may be promised this many times the host's cores. @default 64 */
      cpuOvercommit: z.number().min(1).max(10_000).default(64),
      /** ...and this many times its memory (idle sandboxes use a few MiB of their limit). @default 4 */
      memoryOvercommit: z.number().min(0.1).max(1000).default(4),
      /** Memory kept for the host and the server, never promised to sandboxes. @default 1024 */
      reservedMemoryMiB: z.number().int().min(0).default(1024),
    })
    .prefault({}),
  shutdown: z
    .strictObject({
      /** On SIGTERM, kill sandboxes instead of leaving them running for the next start to adopt. @default false */
      killSandboxes: z.boolean().default(false),
      /** How long in-flight requests and streams may finish before they are cut, ms. @default 10000 */
      drainTimeoutMs: z.number().int().min(0).max(600_000).default(10_000),
    })
    .prefault({}),
  /** Authentication (API keys, JWT/OIDC, client certificates), roles, the operator tenant. */
  auth: authSchema,
  /** A TLS listener beside the plain one (client certificates when `clientCaFile` is set). */
  tls: tlsSchema,
  /** Default quotas of every tenant. */
  quotas: quotaDefaultsSchema,
  metering: meteringSchema,
  audit: auditSchema,
  /** Bounds on what tenants upload for template builds (COPY contexts). */
  uploads: z
    .strictObject({
      /** Largest single upload, MiB. @default 4096 */
      maxFileMiB: z.number().int().min(1).max(1_048_576).default(4096),
      /** Uploads one tenant may hold at once (stored and in flight, not yet used by a build). @default 32 */
      maxPerTenant: z.number().int().min(1).max(100_000).default(32),
      /** Total size of one tenant's uploads held at once, MiB. @default 8192 */
      maxTenantMiB: z.number().int().min(1).max(16_777_216).default(8192),
    })
    .prefault({}),
  /** Debian mirror for template builds. @default 'http://deb.debian.org/debian' */
  debianMirror: z.string().url().default('http://deb.debian.org/debian'),
});

/** Validated configuration. */
export type Config = z.infer<typeof configSchema>;
/** Configuration as written in a file or built from flags (everything optional). */
export type ConfigInput = z.input<typeof configSchema>;
