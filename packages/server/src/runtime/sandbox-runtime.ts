import fs from 'node:fs';
import path from 'node:path';
import { launcherPath } from '@soulbox/envd';
import { SoulBoxError } from '../errors/index.js';
import {
  applyEgressPolicy,
  createSandboxNetwork,
  destroySandboxNetwork,
  type EgressPolicy,
  hasEgressRules,
  netnsPath,
  removeEgressPolicy,
  type Subnet,
} from '../network/index.js';
import type { QosClass } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import { type CaptureOptions, captureRootfs } from './capture-rootfs.js';
import { type CgroupStats, type CgroupVersion, readCgroupStats, setCpuShares } from './cgroups.js';
import type { DiskQuota } from './disk-quota.js';
import {
  channelFiles,
  createSecretCache,
  type EnvdChannelFiles,
  launchOptions,
  prepareChannel,
  secretHeaders,
} from './envd-channel.js';
import { type EnvdChannel, type EnvdEndpoint, unixEndpoint } from './envd-endpoint.js';
import { type FileTail, tailFile } from './envd-log-tail.js';
import type { EnvdRuntime } from './envd-runtime.js';
import { requestEnvd, waitForEnvd } from './envd-socket.js';
import { openTunnel, type TunnelResult } from './envd-tunnel.js';
import { mountIdmapped, mountIdmappedOverlay, unmountIdmapped } from './idmapped-mount.js';
import { isMountPoint, prepareOverlayDirs, unmountOverlay } from './overlay.js';
import type { ContainerState, RuncDriver } from './runc.js';
import { buildSandboxSpec } from './sandbox-spec.js';
import { seedWritableLayer } from './seed-layer.js';
import { UID_RANGE_SIZE } from './uid-ranges.js';

/** Prefix of every container id SoulBox creates. */
export const CONTAINER_PREFIX = 'soulbox-';

/** Host paths of one sandbox. */
export interface SandboxPaths {
  dir: string;
  bundleConfig: string;
  rootfs: string;
  /**
   * Where the template rootfs is attached, read-only and idmapped into the sandbox's range,
   * while the overlay takes it as its lower layer (detached right after; the overlay keeps it).
   */
  lower: string;
  /** Where a template build sees the writable layer with image owners, while it captures it. */
  captureView: string;
  /** Project-quota root holding upper and work. */
  fsDir: string;
  upper: string;
  work: string;
  /** The host↔envd channel: sockets, secret, config (host-only, never mounted). */
  channel: EnvdChannelFiles;
  /** envd's stdout and runc's errors; bounded by envd (sandbox-written bytes). */
  log: string;
  /** The template rootfs the sandbox started from (its lower layer), as a path in a file. */
  templateRecord: string;
}

/**
 * The initial config envd reads at start (its contract lives in @soulbox/envd). The runtime
 * adds the host secret and the log cap.
 */
export interface EnvdInitConfig {
  sandboxId: string;
  templateId: string;
  envVars: Record<string, string>;
  defaultUser: string;
  defaultWorkdir: string;
  /** Written to each child's oom_score_adj, since children inherit envd's protected score. */
  childOomScoreAdj: number;
  /** Serve the code interpreter on port 49999 (code-interpreter templates). */
  codeInterpreter?: boolean;
}

/** Parameters of one sandbox start. */
export interface StartSandboxParams {
  sandboxId: string;
  /** Stored with image owners (0..65535); the sandbox sees it through an idmapped mount. */
  templateRootfs: string;
  /** Host uid/gid that sandbox id 0 maps to; the sandbox owns [uidBase, uidBase + 65536) alone. */
  uidBase: number;
  cpuCount: number;
  memoryMiB: number;
  diskMiB: number;
  qos: QosClass;
  /** Lowest CPU weight until {@link SandboxRuntime.setCpuShares} (warm-pool sandboxes). */
  background?: boolean;
  /** Subnet index for a bridged sandbox; null = loopback only. */
  netIndex: number | null;
  /** XFS project id; null when limits are not enforced. */
  diskProjectId: number | null;
  /** Outbound rules of a bridged sandbox; null = unrestricted. */
  egress: EgressPolicy | null;
  envd: EnvdInitConfig;
}

/** What destroy needs to find every resource of a sandbox. */
export interface SandboxResources {
  diskProjectId: number | null;
  netIndex: number | null;
  /** Whether it had outbound rules (unknown after a crash: pass true to be safe). */
  egress: boolean;
}

/** Options for {@link createSandboxRuntime}. */
export interface SandboxRuntimeOptions {
  sandboxesDir: string;
  runc: RuncDriver;
  envd: EnvdRuntime;
  disk: DiskQuota;
  cgroupVersion: CgroupVersion;
  pidsLimit: number;
  profile: 'default' | 'hardened';
  network: { bridge: string; subnet: Subnet; resolvConf: string };
  logger: Logger;
  /** @default 10000 */
  readyTimeoutMs?: number;
  /** The envd-launch binary. @default launcherPath() from @soulbox/envd */
  launcher?: string;
}

/** Starts, stops and inspects sandboxes on this host. Knows nothing of records or APIs. */
export interface SandboxRuntime {
  paths(sandboxId: string): SandboxPaths;
  containerId(sandboxId: string): string;
  cgroupsPath(sandboxId: string): string;
  /** Creates every resource and starts envd; on failure removes what it made. */
  start(p: StartSandboxParams): Promise<void>;
  /** Removes every resource of a sandbox. Idempotent; safe on half-created sandboxes. */
  destroy(sandboxId: string, res: SandboxResources): Promise<void>;
  /** Installs a sandbox's outbound rules again (the nftables table is rebuilt at start-up). */
  applyEgress(sandboxId: string, netIndex: number, policy: EgressPolicy): Promise<void>;
  pause(sandboxId: string): Promise<void>;
  resume(sandboxId: string): Promise<void>;
  /** The container's state, undefined when it does not exist. */
  state(sandboxId: string): Promise<ContainerState | undefined>;
  /** Sandbox ids whose containers this runtime created (by bundle location). */
  listContainers(): Promise<{ sandboxId: string; status: ContainerState['status'] }[]>;
  /** Sandbox ids that have a directory on disk. */
  listDirs(): string[];
  /**
   * A sandbox whose lower layer is (inside) `templateDir`, if any: the mount table does not
   * show it, since the overlay holds the idmapped view detached.
   */
  sandboxUsing(templateDir: string): string | undefined;
  stats(sandboxId: string): CgroupStats;
  /** Changes a running sandbox's CPU weight (cgroup v1 shares; converted on v2). */
  setCpuShares(sandboxId: string, shares: number): void;
  diskUsage(sandboxId: string): { usedBytes: number; totalBytes: number };
  /**
   * How to reach envd's `api` server (E2B's envd protocol) or its `control` server in the
   * sandbox. The only way other modules talk to envd.
   */
  envdEndpoint(sandboxId: string, channel: EnvdChannel): EnvdEndpoint;
  /**
   * Follows envd's event log (JSON lines) from its start; `stop()` reads what is left. The
   * log is written by the sandbox and capped by envd: when it is emptied, reading starts
   * again from the top.
   */
  followLog(sandboxId: string, onLine: (line: string) => void): FileTail;
  /** A raw byte stream to 127.0.0.1:port inside the sandbox, through envd. */
  openTunnel(sandboxId: string, port: number): Promise<TunnelResult>;
  /**
   * Turns a (paused) sandbox's writable layer over `parentRootfs` into a standalone rootfs
   * under `workDir`, with image owners (0..65535) and file capabilities valid for any
   * range. `uidBase` is the sandbox's range.
   */
  captureFilesystem(
    sandboxId: string,
    uidBase: number,
    o: Omit<CaptureOptions, 'upperDir'>,
  ): Promise<{ rootfs: string }>;
  /** Sends a JSON request to envd's control server. */
  control(
    sandboxId: string,
    method: string,
    urlPath: string,
    body?: unknown,
  ): Promise<{ status: number; body: string }>;
}

const SANDBOX_ID = /^[a-z0-9]{1,64}$/;

/** OOM score of envd (PID 1 of every sandbox): as good as exempt. */
const ENVD_OOM_SCORE_ADJ = -998;

/**
 * envd is PID 1: if the OOM killer picked it, the whole sandbox would die. Only the host can
 * lower a score (runc cannot from inside the user namespace), and only with CAP_SYS_RESOURCE,
 * which some hosts withhold even from root; envd also raises its children's scores
 * (childOomScoreAdj), so they are preferred either way.
 */
function protectFromOom(pid: number): void {
  try {
    fs.writeFileSync(`/proc/${pid}/oom_score_adj`, String(ENVD_OOM_SCORE_ADJ));
  } catch {
    // Without CAP_SYS_RESOURCE the children's raised scores are the protection.
  }
}

function hostsFile(id: string): string {
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${id}\n`;
}

/** The server's own hard RLIMIT_NOFILE (capped at 1M); sandboxes get the same. */
function hostMaxOpenFiles(): number {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const hard = Number(line?.trim().split(/\s+/)[4]);
  return Number.isFinite(hard) && hard > 0 ? Math.min(hard, 1_048_576) : 1024;
}

/** Creates the host runtime. */
export function createSandboxRuntime(o: SandboxRuntimeOptions): SandboxRuntime {
  const launcher = o.launcher ?? launcherPath();
  try {
    fs.accessSync(launcher, fs.constants.X_OK);
  } catch (err) {
    throw new SoulBoxError('RUNTIME_UNAVAILABLE', `${launcher} is missing (run npm run build)`, {
      cause: err,
    });
  }
  const secrets = createSecretCache();
  const maxOpenFiles = hostMaxOpenFiles();
  const log = o.logger;

  const paths = (id: string): SandboxPaths => {
    if (!SANDBOX_ID.test(id)) throw new SoulBoxError('INVALID_ARGUMENT', 'invalid sandbox id');
    const dir = path.join(o.sandboxesDir, id);
    const fsDir = path.join(dir, 'fs');
    return {
      dir,
      bundleConfig: path.join(dir, 'config.json'),
      rootfs: path.join(dir, 'rootfs'),
      lower: path.join(dir, 'lower'),
      captureView: path.join(dir, 'capture'),
      fsDir,
      upper: path.join(fsDir, 'upper'),
      work: path.join(fsDir, 'work'),
      channel: channelFiles(dir),
      log: path.join(dir, 'sandbox.log'),
      templateRecord: path.join(dir, 'template'),
    };
  };
  // Only paths below the sandbox's own dir, which the sandbox cannot reach: the host never
  // opens anything a sandbox can write. The secret makes a mis-wired connection fail.
  const endpoint = (id: string, channel: EnvdChannel): EnvdEndpoint => {
    const { channel: c } = paths(id);
    return unixEndpoint(channel === 'api' ? c.apiSocket : c.controlSocket, secretHeaders(secrets.get(id, c)));
  };
  const listDirs = (): string[] => {
    try {
      return fs.readdirSync(o.sandboxesDir).filter((n) => SANDBOX_ID.test(n));
    } catch {
      return [];
    }
  };
  const containerId = (id: string) => `${CONTAINER_PREFIX}${id}`;
  const cgroupsPath = (id: string) => `/soulbox/${id}`;

  const destroy = async (id: string, res: SandboxResources): Promise<void> => {
    const p = paths(id);
    const { diskProjectId, netIndex } = res;
    let firstError: unknown;
    const step = async (what: string, fn: () => Promise<void>): Promise<boolean> => {
      try {
        await fn();
        return true;
      } catch (err) {
        log.error('sandbox cleanup step failed', { sandboxId: id, step: what, err });
        firstError ??= err;
        return false;
      }
    };
    // The container goes first: nothing may still use the mounts or the netns. Then storage and
    // network come apart side by side; the directory goes last.
    secrets.forget(id);
    await step('container', () => o.runc.delete(containerId(id)));
    await Promise.all([
      (async () => {
        const unmounted = await step('overlay', () => unmountOverlay(p.rootfs));
        const views = await Promise.all([
          step('template layer', () => unmountIdmapped(p.lower)),
          step('capture view', () => unmountIdmapped(p.captureView)),
        ]);
        if (unmounted && views.every(Boolean)) {
          await step('writable layer', () => o.disk.removeLimitedDir(p.fsDir, diskProjectId));
        }
      })(),
      (async () => {
        if (netIndex !== null && res.egress) {
          await step('egress rules', () =>
            removeEgressPolicy(o.network.bridge, id, o.network.subnet.addressOf(netIndex)),
          );
        }
        await step('network', () => destroySandboxNetwork(id));
      })(),
    ]);
    await step('files', async () => {
      // Never delete through a still-mounted rootfs or view (read-only, but still).
      for (const m of [p.rootfs, p.lower, p.captureView])
        if (isMountPoint(m)) throw new Error(`${m} is still mounted`);
      await fs.promises.rm(p.dir, { recursive: true, force: true });
    });
    if (firstError) throw firstError;
  };

  return {
    paths,
    containerId,
    cgroupsPath,
    destroy,
    async start(s) {
      const p = paths(s.sandboxId);
      if (fs.existsSync(p.dir))
        throw new SoulBoxError('SANDBOX_START_FAILED', `sandbox ${s.sandboxId} already exists on disk`);
      // The sandbox's own ids: nobody else on the host ever has them.
      const owner = { uid: s.uidBase, gid: s.uidBase };
      try {
        // runc mounts the rootfs from inside the user namespace, so the sandbox's root group may
        // traverse this dir; nobody else may (host users must not reach the sandbox's files).
        fs.mkdirSync(p.dir, { recursive: true, mode: 0o710 });
        fs.chownSync(p.dir, 0, owner.gid);
        await o.disk.createLimitedDir(p.fsDir, s.diskProjectId, s.diskMiB);
        secrets.set(s.sandboxId, prepareChannel(p.channel, s.envd));
        seedWritableLayer({
          upperDir: p.upper,
          templateRootfs: s.templateRootfs,
          files: {
            hosts: hostsFile(s.sandboxId),
            hostname: `${s.sandboxId}\n`,
            resolvConf: o.network.resolvConf,
          },
          owner,
        });

        fs.writeFileSync(p.templateRecord, s.templateRootfs, { mode: 0o600 });
        fs.mkdirSync(p.lower, { mode: 0o700 });
        const [,] = await Promise.all([
          (async () => {
            // The template as this sandbox sees it: image id n is host id uidBase + n, read-only.
            // Copy-ups into the upper dir keep those (the sandbox's) owners.
            const dirs = { upperDir: p.upper, workDir: p.work, mergedDir: p.rootfs };
            prepareOverlayDirs(dirs, owner);
            await mountIdmappedOverlay(
              { ...dirs, lowerSource: s.templateRootfs, lower: p.lower },
              { from: 0, to: s.uidBase, count: UID_RANGE_SIZE },
            );
          })(),
          createSandboxNetwork({
            sandboxId: s.sandboxId,
            bridged:
              s.netIndex === null
                ? null
                : { bridge: o.network.bridge, subnet: o.network.subnet, index: s.netIndex },
          }),
        ]);
        if (s.netIndex !== null && hasEgressRules(s.egress)) {
          await applyEgressPolicy(
            o.network.bridge,
            s.sandboxId,
            o.network.subnet.addressOf(s.netIndex),
            s.egress,
          );
        }
        const spec = buildSandboxSpec({
          sandboxId: s.sandboxId,
          rootfsDir: p.rootfs,
          envdDir: o.envd.dir,
          envdArgs: o.envd.args,
          netnsPath: netnsPath(s.sandboxId),
          uidBase: s.uidBase,
          cpuCount: s.cpuCount,
          memoryMiB: s.memoryMiB,
          qos: s.qos,
          background: s.background,
          pidsLimit: o.pidsLimit,
          cgroupsPath: cgroupsPath(s.sandboxId),
          cgroupVersion: o.cgroupVersion,
          profile: o.profile,
          maxOpenFiles,
        });
        fs.writeFileSync(p.bundleConfig, JSON.stringify(spec));
        const logFd = fs.openSync(p.log, 'a+', 0o600);
        let initPid: number;
        try {
          initPid = await o.runc.run(
            containerId(s.sandboxId),
            p.dir,
            logFd,
            launchOptions(p.channel, launcher),
          );
        } finally {
          fs.closeSync(logFd);
          // envd has read it from its fd (or never will): the env vars need not stay on disk.
          fs.rmSync(p.channel.config, { force: true });
        }
        protectFromOom(initPid);
        await waitForEnvd(endpoint(s.sandboxId, 'control'), {
          timeoutMs: o.readyTimeoutMs ?? 10_000,
          isAlive: async () => (await o.runc.state(containerId(s.sandboxId)))?.status === 'running',
        });
      } catch (err) {
        const tail = fs.existsSync(p.log) ? fs.readFileSync(p.log, 'utf8').slice(-2000) : '';
        log.error('sandbox start failed', { sandboxId: s.sandboxId, err, envdLog: tail });
        await destroy(s.sandboxId, {
          diskProjectId: s.diskProjectId,
          netIndex: s.netIndex,
          egress: hasEgressRules(s.egress),
        }).catch(() => {});
        if (err instanceof SoulBoxError) throw err;
        throw new SoulBoxError('SANDBOX_START_FAILED', `sandbox failed to start: ${(err as Error).message}`, {
          cause: err,
        });
      }
    },
    async applyEgress(id, netIndex, policy) {
      await applyEgressPolicy(o.network.bridge, id, o.network.subnet.addressOf(netIndex), policy);
    },
    async pause(id) {
      await o.runc.pause(containerId(id));
    },
    async resume(id) {
      await o.runc.resume(containerId(id));
    },
    state(id) {
      return o.runc.state(containerId(id));
    },
    async listContainers() {
      const prefix = `${path.resolve(o.sandboxesDir)}/`;
      return (await o.runc.list())
        .filter((c) => c.id.startsWith(CONTAINER_PREFIX) && c.bundle.startsWith(prefix))
        .map((c) => ({ sandboxId: c.id.slice(CONTAINER_PREFIX.length), status: c.status }));
    },
    listDirs,
    sandboxUsing(templateDir) {
      const dir = path.resolve(templateDir);
      for (const id of listDirs()) {
        let used: string;
        try {
          used = fs.readFileSync(paths(id).templateRecord, 'utf8');
        } catch {
          continue; // half-created, half-removed, or started by a version that kept no record
        }
        if (used === dir || used.startsWith(`${dir}/`)) return id;
      }
      return undefined;
    },
    stats(id) {
      return readCgroupStats(o.cgroupVersion, cgroupsPath(id));
    },
    setCpuShares(id, shares) {
      setCpuShares(o.cgroupVersion, cgroupsPath(id), shares);
    },
    diskUsage(id) {
      return o.disk.usage(paths(id).fsDir);
    },
    envdEndpoint: endpoint,
    followLog(id, onLine) {
      return tailFile(paths(id).log, { onLine });
    },
    async captureFilesystem(id, uidBase, c) {
      const p = paths(id);
      await unmountIdmapped(p.captureView);
      fs.mkdirSync(p.captureView, { recursive: true, mode: 0o700 });
      // The reverse of the lower layer's mapping: the sandbox's ids read as image ids.
      await mountIdmapped(p.upper, p.captureView, { from: uidBase, to: 0, count: UID_RANGE_SIZE });
      try {
        return await captureRootfs({ ...c, upperDir: p.captureView });
      } finally {
        await unmountIdmapped(p.captureView);
        fs.rmdirSync(p.captureView);
      }
    },
    openTunnel(id, port) {
      return openTunnel(endpoint(id, 'control'), port);
    },
    control(id, method, urlPath, body) {
      return requestEnvd(endpoint(id, 'control'), method, urlPath, body);
    },
  };
}
