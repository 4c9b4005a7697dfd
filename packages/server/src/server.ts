import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { bundleDir } from '@soulbox/envd';
import { createApi } from './api/app.js';
import { bootstrapAdminKey } from './auth/index.js';
import { createDataPlaneGuard } from './authz/data-plane-guard.js';
import { createTemplateBuilds } from './build/index.js';
import type { Config } from './config/index.js';
import { createDataPlane } from './dataplane/data-plane.js';
import { framingRefusal } from './dataplane/request-framing.js';
import { SoulBoxError } from './errors/index.js';
import { createGovernance, type Governance } from './governance.js';
import { createSandboxLogs, wireSandboxLogs } from './logs/index.js';
import { createServerMetrics, type ServerMetrics } from './metrics/server-metrics.js';
import { ipv4Nameservers, parseSubnet, setupHostNetwork } from './network/index.js';
import { detectCgroupVersion } from './runtime/cgroups.js';
import { setupDiskQuota } from './runtime/disk-quota.js';
import { prepareEnvdRuntime } from './runtime/envd-runtime.js';
import { tuneHostLimits } from './runtime/host-tuning.js';
import { probeIdmappedLayers } from './runtime/idmap-probe.js';
import { createRuncDriver } from './runtime/runc.js';
import { createSandboxRuntime, type SandboxRuntime } from './runtime/sandbox-runtime.js';
import { createUidRangePool } from './runtime/uid-ranges.js';
import { createAdmission } from './sandbox/admission.js';
import { createSandboxManager, type SandboxManager } from './sandbox/sandbox-manager.js';
import { startTlsListener } from './server-tls.js';
import { openStore, type Store } from './store/index.js';
import {
  createTemplateCatalog,
  createTemplateStore,
  type TemplateBuildProgress,
  type TemplateCatalog,
  type TemplateStore,
} from './template/index.js';
import { createLogger, type Logger } from './util/logger.js';

/** A running SoulBox server. */
export interface SoulBoxServer {
  /** Base URL of the API and data plane, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly port: number;
  /** The bootstrap admin key, when known to this process. */
  readonly adminKey: string | undefined;
  /** Where a generated admin key was saved. */
  readonly adminKeyFile: string | undefined;
  /** The admin key was made by this start (the only time it is shown to the operator). */
  readonly adminKeyCreated: boolean;
  readonly sandboxes: SandboxManager;
  readonly runtime: SandboxRuntime;
  readonly templates: TemplateStore;
  /** Which tenant owns which template name. */
  readonly templateCatalog: TemplateCatalog;
  readonly store: Store;
  /** Authentication, roles, tenants and quotas, metering, audit. */
  readonly governance: Governance;
  /** Base URL of the TLS listener, when `tls.port` is set. */
  readonly tlsUrl: string | undefined;
  readonly logger: Logger;
  /** Notes for the operator (e.g. disk limits not enforced). */
  readonly warnings: readonly string[];
  /**
   * Graceful stop: no new connections, in-flight requests and streams get `drainTimeoutMs`
   * to finish, then are cut; sandboxes keep running (adopted at next start) unless
   * killSandboxes. Defaults come from the `shutdown` settings.
   */
  close(opts?: { killSandboxes?: boolean; drainTimeoutMs?: number }): Promise<void>;
}

/** Options beyond the config. */
export interface StartServerOptions {
  logger?: Logger;
  onTemplateProgress?: (p: TemplateBuildProgress) => void;
}

function sandboxResolvConf(): string {
  const candidates = ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf'];
  for (const file of candidates) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      const servers = [...text.matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]!);
      // A loopback resolver on the host is not reachable from a sandbox's own netns.
      if (servers.length && servers.every((s) => !s.startsWith('127.') && s !== '::1')) return text;
    } catch {
      // Try the next candidate.
    }
  }
  return 'nameserver 1.1.1.1\n';
}

/** Starts a SoulBox server: checks the host, prepares storage, network, envd and templates, then listens. */
export async function startServer(config: Config, opts: StartServerOptions = {}): Promise<SoulBoxServer> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  if (process.getuid?.() !== 0) {
    throw new SoulBoxError(
      'RUNTIME_UNAVAILABLE',
      'SoulBox runs sandboxes with runc, overlay mounts and network namespaces: start it as root',
    );
  }
  const warnings: string[] = [];
  const dataDir = path.resolve(config.dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  // Traversable but not listable: runc sets up a sandbox (pivot_root into its rootfs, bind
  // mounts of envd's runtime and its run dir) as the sandbox's mapped root, an unprivileged
  // host uid, which must pass through here. Everything secret below is 0600 / 0700.
  fs.chmodSync(dataDir, 0o711);
  const templatesDir = path.resolve(config.templatesDir ?? path.join(dataDir, 'templates'));
  const sandboxesDir = path.join(dataDir, 'sandboxes');

  const store = openStore({ file: path.join(dataDir, 'soulbox.db') });
  const cleanups: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    const admin = bootstrapAdminKey(store, dataDir, config.adminKey);
    const runc = createRuncDriver({ binary: config.runtime.binary, root: config.runtime.root });
    logger.info('runtime', { version: await runc.version() });
    const cgroupVersion = detectCgroupVersion();
    tuneHostLimits(logger);
    const disk = await setupDiskQuota({
      mode: config.disk.quota,
      sandboxesDir,
      imageBase: path.join(dataDir, 'sandboxes'),
      imageSizeGiB: config.disk.imageSizeGiB,
      logger,
    });
    if (!disk.enforced) warnings.push(`disk limits are NOT enforced: ${disk.reason}`);
    const subnet = parseSubnet(config.network.subnet);
    const resolvConf = sandboxResolvConf();
    await setupHostNetwork({
      bridge: config.network.bridge,
      subnet,
      egress: { allow: config.network.egressAllow, resolvers: ipv4Nameservers(resolvConf) },
      logger,
    });
    const envd = await prepareEnvdRuntime({ dataDir, bundleDir: bundleDir() });
    // The runtime is made below; template removal only happens once the server runs.
    let runtimeRef: SandboxRuntime | undefined;
    const templates = createTemplateStore({
      templatesDir,
      sandboxUsing: (dir) => runtimeRef?.sandboxUsing(dir),
      debianMirror: config.debianMirror,
      onProgress: opts.onTemplateProgress,
      logger,
    });
    const uidRanges = config.runtime.uidRanges;
    await probeIdmappedLayers({ sandboxesDir, templatesDir, mapTo: uidRanges.base });
    const runtime = createSandboxRuntime({
      sandboxesDir,
      runc,
      envd,
      disk,
      cgroupVersion,
      pidsLimit: config.sandbox.pidsLimit,
      profile: config.runtime.profile,
      network: { bridge: config.network.bridge, subnet, resolvConf },
      logger,
    });
    runtimeRef = runtime;
    const admission = createAdmission({
      capacity: {
        cpuCount: os.availableParallelism(),
        memoryMiB: Math.max(256, Math.floor(os.totalmem() / 2 ** 20) - config.admission.reservedMemoryMiB),
      },
      overcommit: { cpu: config.admission.cpuOvercommit, memory: config.admission.memoryOvercommit },
    });
    let metrics: ServerMetrics | undefined;
    const sandboxes = createSandboxManager({
      store,
      runtime,
      templates,
      disk,
      subnet,
      uidRanges: createUidRangePool({
        base: uidRanges.base,
        count: uidRanges.count,
        reservedFiles: [uidRanges.subuidFile, uidRanges.subgidFile],
      }),
      limits: config.sandbox,
      egressAllow: config.network.egressAllow,
      admission,
      pool: config.pool,
      logger,
      onCreate: (path, seconds) => metrics?.observeCreate(path, seconds),
    });
    cleanups.unshift(() => sandboxes.close());
    // Before reconcile, so that adopted sandboxes are counted against quotas and metered.
    const governance = createGovernance({
      config,
      store,
      sandboxes,
      logger,
      readUsage: (id) => {
        try {
          return runtime.stats(id);
        } catch {
          return undefined;
        }
      },
    });
    cleanups.unshift(() => governance.close());
    const logs = createSandboxLogs();
    const logWiring = wireSandboxLogs({ logs, sandboxes, runtime });
    cleanups.unshift(() => {
      logWiring.close();
      logs.close();
    });
    const templateCatalog = createTemplateCatalog({
      owners: store.templateOwners,
      templates,
      operatorTenant: config.auth.operatorTenant,
    });
    const builds = createTemplateBuilds({
      sandboxes,
      runtime,
      templates,
      catalog: templateCatalog,
      quotas: governance.quotaGate,
      limits: config.sandbox,
      uploads: {
        maxFileBytes: config.uploads.maxFileMiB * 2 ** 20,
        maxPerTenant: config.uploads.maxPerTenant,
        maxTenantBytes: config.uploads.maxTenantMiB * 2 ** 20,
      },
      logger,
    });
    await sandboxes.reconcile();
    governance.reconciled();
    if (config.prepareTemplates) await templates.ensure('base');

    metrics = createServerMetrics({
      sandboxesByState: () => store.countByState(),
      poolLevels: () => sandboxes.pool.levels(),
      poolCounters: () => ({ hits: sandboxes.pool.hits, misses: sandboxes.pool.misses }),
      admission: () => admission.levels(),
    });
    const api = createApi({
      store,
      sandboxes,
      catalog: templateCatalog,
      logger,
      metrics,
      logs,
      builds,
      governance,
      createPolicy: config.sandbox,
    });
    const dataPlane = createDataPlane({
      sandboxes,
      runtime,
      domain: config.domain,
      logger,
      observeEnvd: logWiring.observeEnvd,
      guard: createDataPlaneGuard({
        store,
        authenticator: governance.authenticator,
        audit: governance.audit,
        auditChanges: governance.auditDataPlane,
        requireClientCert: config.tls.requireClientCert,
        logger,
      }),
    });
    const rest = getRequestListener(api.fetch);
    // In-flight requests and upgraded streams, so that shutdown can let them finish.
    let inflight = 0;
    let drained: (() => void) | undefined;
    const settle = () => {
      inflight--;
      if (inflight === 0) drained?.();
    };
    const server = http.createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
      inflight++;
      res.once('close', settle);
      const target = dataPlane.match(req);
      if (target) dataPlane.handle(req, res, target);
      else void rest(req, res);
    });
    server.on('upgrade', (req, socket, head) => {
      inflight++;
      socket.once('close', settle);
      const target = dataPlane.match(req);
      if (target) dataPlane.handleUpgrade(req, socket, head, target);
      else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      // Node's parser refuses ambiguous framing itself (Content-Length with Transfer-Encoding,
      // duplicate lengths, unknown codings); say so with the data plane's stable code.
      const body = /CONTENT_LENGTH|TRANSFER_ENCODING|CHUNK/.test(err.code ?? '')
        ? JSON.stringify(framingRefusal(`malformed framing (${err.code})`))
        : '';
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nconnection: close\r\n${body ? 'content-type: application/json\r\n' : ''}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const tls = await startTlsListener(config, {
      onRequest: (req, res) => server.emit('request', req, res),
      onUpgrade: (req, socket, head) => server.emit('upgrade', req, socket, head),
    }).catch((err: unknown) => {
      server.close();
      throw err;
    });
    const port = (server.address() as AddressInfo).port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      port,
      adminKey: admin.key,
      adminKeyFile: admin.file,
      adminKeyCreated: admin.created,
      sandboxes,
      runtime,
      templates,
      templateCatalog,
      store,
      governance,
      tlsUrl: tls?.url,
      logger,
      warnings,
      close(closeOpts) {
        closing ??= (async () => {
          // Stop accepting, let what is in flight finish (up to the drain timeout), then cut the rest.
          server.close();
          tls?.close();
          // Log followers would otherwise hold the drain open until its timeout.
          builds.close();
          logWiring.close();
          logs.close();
          server.closeIdleConnections();
          tls?.closeIdleConnections();
          const drainMs = closeOpts?.drainTimeoutMs ?? config.shutdown.drainTimeoutMs;
          if (inflight > 0 && drainMs > 0) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, drainMs);
              drained = () => {
                clearTimeout(t);
                resolve();
              };
            });
          }
          dataPlane.close();
          server.closeAllConnections();
          tls?.closeAllConnections();
          await sandboxes.close({ killAll: closeOpts?.killSandboxes ?? config.shutdown.killSandboxes });
          governance.close();
          store.close();
          logger.info('server stopped', {
            killedSandboxes: closeOpts?.killSandboxes ?? config.shutdown.killSandboxes,
          });
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const c of cleanups) await c();
    throw err;
  }
}
