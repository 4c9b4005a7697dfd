/**
 * Linux capability sets for sandbox processes, and their OCI `process.capabilities` form.
 *
 * The seccomp profile (`seccomp-profile.ts`) is built from the same list, so a syscall that
 * only a capability makes useful is refused when the capability is not given.
 */
import type { LinuxCapabilities } from './oci-spec.js';

/** Every capability of Linux 6.x, in kernel order (CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40). */
export const LINUX_CAPABILITIES = Object.freeze([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const);

/** A Linux capability name. */
export type Capability = (typeof LINUX_CAPABILITIES)[number];

const KNOWN = new Set<string>(LINUX_CAPABILITIES);

/** Whether `name` is a Linux capability name (`CAP_…`, upper case), e.g. to check a setting. */
export function isCapability(name: string): name is Capability {
  return KNOWN.has(name);
}

/**
 * Docker's default set (moby `caps.DefaultCapabilities`): what `docker run` gives a
 * container, so images that work under Docker work in a sandbox — apt (CHOWN, FOWNER,
 * SETUID/SETGID to drop to `_apt`), sudo (SETUID, SETGID, AUDIT_WRITE), ping (NET_RAW),
 * servers on ports below 1024 (NET_BIND_SERVICE).
 */
export const DEFAULT_CAPABILITIES: readonly Capability[] = Object.freeze([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
]);

/**
 * {@link DEFAULT_CAPABILITIES} without the ones an agent's code rarely needs and an attacker
 * likes: NET_RAW (raw and packet sockets: spoofing, and a long run of kernel bugs), MKNOD
 * (device nodes; the device cgroup still applies, but it is one less layer), SETFCAP (writing
 * file capabilities that outlive the process), SYS_CHROOT (chroot is a step in several
 * escapes) and AUDIT_WRITE (the host's audit log). Without NET_RAW, ping needs ICMP
 * datagram sockets, which the namespaced sysctl `net.ipv4.ping_group_range` opens.
 */
export const HARDENED_CAPABILITIES: readonly Capability[] = Object.freeze([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_KILL',
]);

/** Options of {@link toOciCapabilities}. */
export interface OciCapabilitiesOptions {
  /**
   * uid the container process runs as. A non-root process gets the list as its bounding set
   * only, as execve(2) would leave it: it can still gain those capabilities through a setuid
   * binary such as sudo, but has none while it runs unprivileged.
   * @default 0
   */
  readonly uid?: number;
}

/**
 * The OCI `process.capabilities` object for a capability list (duplicates dropped, order
 * kept). Root gets the list as bounding, effective and permitted sets; inheritable and
 * ambient stay empty, as in Docker and containerd since CVE-2022-24769: a non-empty
 * inheritable set lets a program with inheritable file capabilities gain them on exec even
 * when run by an unprivileged user.
 */
export function toOciCapabilities(
  capabilities: readonly Capability[],
  options: OciCapabilitiesOptions = {},
): LinuxCapabilities {
  const list = Object.freeze([...new Set(capabilities)]);
  const none = Object.freeze([]);
  const root = (options.uid ?? 0) === 0;
  return Object.freeze({
    bounding: list,
    effective: root ? list : none,
    inheritable: none,
    permitted: root ? list : none,
    ambient: none,
  });
}
