import { DEFAULT_CAPABILITIES, HARDENED_CAPABILITIES, toOciCapabilities } from './capabilities.js';
import type { CgroupVersion } from './cgroups.js';
import { ENVD_MOUNT } from './envd-runtime.js';
import { MASKED_PATHS, READONLY_PATHS } from './masked-paths.js';
import type { OciSpec } from './oci-spec.js';
import { createSeccompProfile } from './seccomp-profile.js';

/** Everything that decides one sandbox's OCI config. */
export interface SandboxSpecOptions {
  sandboxId: string;
  /** The overlay's merged dir. */
  rootfsDir: string;
  /** Prepared envd runtime (node + libs + bundle), mounted read-only. */
  envdDir: string;
  /** The command that starts envd. */
  envdArgs: readonly string[];
  /** Network namespace to join (created by SoulBox beforehand). */
  netnsPath: string;
  /** Host id that sandbox id 0 maps to; 65536 ids are mapped (the sandbox's own range). */
  uidBase: number;
  cpuCount: number;
  memoryMiB: number;
  /** 'guaranteed': twice the CPU weight and its memory reserved (protected from reclaim). */
  qos: 'guaranteed' | 'burstable';
  /** Start with the lowest CPU weight (warm-pool sandboxes, until a create claims them). */
  background?: boolean;
  pidsLimit: number;
  /** Path of the sandbox's cgroup below each hierarchy's root. */
  cgroupsPath: string;
  cgroupVersion: CgroupVersion;
  profile: 'default' | 'hardened';
  /** RLIMIT_NOFILE for the sandbox (at most the server's own hard limit). */
  maxOpenFiles: number;
}

const CPU_PERIOD_US = 100_000;

/**
 * cgroup v1 cpu.shares for a class (runc converts it to cpu.weight on v2). A background
 * sandbox gets the minimum, so that filling the warm pool never takes CPU from user work.
 */
export function cpuSharesFor(qos: 'guaranteed' | 'burstable', background = false): number {
  if (background) return 2;
  return qos === 'guaranteed' ? 2048 : 1024;
}

/** Builds the OCI runtime config for a sandbox. Pure: no I/O. */
export function buildSandboxSpec(o: SandboxSpecOptions): OciSpec {
  const caps = o.profile === 'hardened' ? HARDENED_CAPABILITIES : DEFAULT_CAPABILITIES;
  const memoryBytes = o.memoryMiB * 1024 * 1024;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: [...o.envdArgs],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
      cwd: '/',
      capabilities: toOciCapabilities(caps),
      // Inside a user namespace a hard limit can only be lowered, so never ask above the host's.
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: o.maxOpenFiles, soft: o.maxOpenFiles }],
      // no_new_privs breaks setuid sudo, which E2B users rely on; the hardened profile sets it.
      noNewPrivileges: o.profile === 'hardened',
    },
    root: { path: o.rootfsDir, readonly: false },
    hostname: o.sandboxId,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/dev/mqueue',
        type: 'mqueue',
        source: 'mqueue',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      // The netns belongs to the host's user namespace, so sysfs cannot be mounted fresh:
      // bind the host's read-only (as rootless Podman does), then give the sandbox its own cgroup view.
      {
        destination: '/sys',
        type: 'none',
        source: '/sys',
        options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
      },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
      {
        destination: ENVD_MOUNT,
        type: 'bind',
        source: o.envdDir,
        options: ['rbind', 'ro', 'nosuid', 'nodev'],
      },
      // Nothing else of the host is mounted: envd's sockets and config arrive as inherited
      // descriptors, and /etc/hosts, hostname and resolv.conf live in the writable layer.
    ],
    linux: {
      uidMappings: [{ containerID: 0, hostID: o.uidBase, size: 65_536 }],
      gidMappings: [{ containerID: 0, hostID: o.uidBase, size: 65_536 }],
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'cgroup' },
        { type: 'user' },
        { type: 'network', path: o.netnsPath },
      ],
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        // reservation = memory.soft_limit_in_bytes on cgroup v1, memory.low on v2.
        memory: {
          limit: memoryBytes,
          ...(o.qos === 'guaranteed' ? { reservation: memoryBytes } : {}),
          ...(o.cgroupVersion === 1 ? {} : { swap: memoryBytes }),
        },
        // shares = cpu.shares on v1; runc converts it to cpu.weight on v2.
        cpu: {
          quota: o.cpuCount * CPU_PERIOD_US,
          period: CPU_PERIOD_US,
          shares: cpuSharesFor(o.qos, o.background),
        },
        pids: { limit: o.pidsLimit },
      },
      cgroupsPath: o.cgroupsPath,
      seccomp: createSeccompProfile({ capabilities: caps }),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
      rootfsPropagation: 'private',
    },
  };
}
