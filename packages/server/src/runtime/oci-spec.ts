/**
 * Types for the part of the OCI runtime spec's `config.json` (v1.0.2, as runc 1.1 reads it)
 * that SoulBox writes into a bundle. Field names and shapes are the spec's own, so an
 * object of these types is written with `JSON.stringify` as is.
 *
 * Every property is `readonly` and every list a `readonly` array, so frozen constants
 * (capability sets, masked paths, the seccomp profile) can be placed in a spec without
 * copying. Integers that the spec declares as uint64/int64 are plain `number`s here: SoulBox
 * never needs values above `Number.MAX_SAFE_INTEGER` (2^53 − 1), and a larger one would lose
 * precision in JSON.
 *
 * @see https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md
 * @see https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md
 */

/** The spec version SoulBox writes into `ociVersion`: the one runc 1.1 implements. */
export const OCI_VERSION = '1.0.2';

/** A Linux capability name as the spec spells it, e.g. `CAP_CHOWN`. */
export type CapabilityName = `CAP_${string}`;

/** The whole `config.json`. */
export interface OciSpec {
  /** Spec version the bundle follows; SoulBox writes {@link OCI_VERSION}. */
  readonly ociVersion: string;
  /** The container's first process (for SoulBox: envd). Required by `runc create`. */
  readonly process?: Process;
  /** The root filesystem. */
  readonly root?: Root;
  /** Hostname seen inside the UTS namespace. Needs a `uts` namespace. */
  readonly hostname?: string;
  /** Mounts made in order after the root, on top of it. */
  readonly mounts?: readonly Mount[];
  /** Hooks run by the runtime at points of the container's life. */
  readonly hooks?: Hooks;
  /** Free-form metadata; keys are reverse-domain names (`dev.soulbox.sandbox-id`). */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Linux-specific configuration. */
  readonly linux?: Linux;
}

/** The container process. */
export interface Process {
  /** Allocate a pseudo-terminal and make it the process's stdio. @default false */
  readonly terminal?: boolean;
  /** Initial terminal size, in characters; only with `terminal: true`. */
  readonly consoleSize?: { readonly height: number; readonly width: number };
  /** Identity the process runs as, inside the container's user namespace if it has one. */
  readonly user: User;
  /** argv; `args[0]` is looked up in the container's `PATH` when it holds no `/`. */
  readonly args: readonly string[];
  /** Environment as `KEY=value` strings. Nothing is inherited from the runtime. */
  readonly env?: readonly string[];
  /** Working directory: an absolute path inside the container. */
  readonly cwd: string;
  /** Capability sets. A set left out is empty. */
  readonly capabilities?: LinuxCapabilities;
  /** Resource limits set with setrlimit(2) before exec. */
  readonly rlimits?: readonly PosixRlimit[];
  /**
   * Set `PR_SET_NO_NEW_PRIVS`: setuid/setcap binaries (sudo) gain nothing on exec.
   * @default false
   */
  readonly noNewPrivileges?: boolean;
  /** AppArmor profile name to confine the process with; absent = none. */
  readonly apparmorProfile?: string;
  /** Value written to `/proc/self/oom_score_adj`, −1000 (never killed) to 1000 (first). */
  readonly oomScoreAdj?: number;
  /** SELinux process label; absent = none. */
  readonly selinuxLabel?: string;
}

/** Identity of the container process. */
export interface User {
  /** User id. */
  readonly uid: number;
  /** Primary group id. */
  readonly gid: number;
  /** File-mode creation mask, e.g. `0o022` (JSON carries it as a decimal number). */
  readonly umask?: number;
  /** Supplementary group ids. */
  readonly additionalGids?: readonly number[];
}

/** The five capability sets of a process (capabilities(7)). */
export interface LinuxCapabilities {
  /** Upper limit of what the process and its children can ever gain (also through exec). */
  readonly bounding?: readonly CapabilityName[];
  /** What the kernel checks now. */
  readonly effective?: readonly CapabilityName[];
  /** Kept across exec only where the file's inheritable set also has them. */
  readonly inheritable?: readonly CapabilityName[];
  /** What the process may make effective. */
  readonly permitted?: readonly CapabilityName[];
  /** Kept across exec of non-privileged binaries; must be permitted and inheritable. */
  readonly ambient?: readonly CapabilityName[];
}

/** setrlimit(2) resource names that runc accepts. */
export type RlimitType =
  | 'RLIMIT_AS'
  | 'RLIMIT_CORE'
  | 'RLIMIT_CPU'
  | 'RLIMIT_DATA'
  | 'RLIMIT_FSIZE'
  | 'RLIMIT_LOCKS'
  | 'RLIMIT_MEMLOCK'
  | 'RLIMIT_MSGQUEUE'
  | 'RLIMIT_NICE'
  | 'RLIMIT_NOFILE'
  | 'RLIMIT_NPROC'
  | 'RLIMIT_RSS'
  | 'RLIMIT_RTPRIO'
  | 'RLIMIT_RTTIME'
  | 'RLIMIT_SIGPENDING'
  | 'RLIMIT_STACK';

/** One resource limit; units are the resource's own (bytes, seconds, count). */
export interface PosixRlimit {
  /** Which resource. */
  readonly type: RlimitType;
  /** Ceiling an unprivileged process may raise its soft limit to. */
  readonly hard: number;
  /** Limit the kernel enforces now. */
  readonly soft: number;
}

/** The root filesystem. */
export interface Root {
  /** Path to the root filesystem, absolute or relative to the bundle directory. */
  readonly path: string;
  /** Remount the root read-only. @default false */
  readonly readonly?: boolean;
}

/** One mount inside the container. */
export interface Mount {
  /** Absolute path inside the container. */
  readonly destination: string;
  /** Filesystem type as mount(2) takes it (`proc`, `tmpfs`, `bind`, `overlay` …). */
  readonly type?: string;
  /** Device name, host path for a bind mount, or a dummy string for pseudo filesystems. */
  readonly source?: string;
  /** mount(8)-style options: flags (`ro`, `nosuid`, `rbind`, `rprivate`) and data (`size=64m`). */
  readonly options?: readonly string[];
}

/** A hook command. */
export interface Hook {
  /** Absolute path of the executable, on the host. */
  readonly path: string;
  /** argv, including argv[0]. */
  readonly args?: readonly string[];
  /** Environment as `KEY=value` strings. */
  readonly env?: readonly string[];
  /** Seconds before the runtime kills the hook. */
  readonly timeout?: number;
}

/** Hooks by the point at which the runtime runs them. */
export interface Hooks {
  /** Deprecated by the spec; runs like `createRuntime`. */
  readonly prestart?: readonly Hook[];
  /** After the namespaces exist, before pivot_root, in the runtime's namespace. */
  readonly createRuntime?: readonly Hook[];
  /** Like `createRuntime`, but in the container's namespaces. */
  readonly createContainer?: readonly Hook[];
  /** In the container, just before the user process is executed. */
  readonly startContainer?: readonly Hook[];
  /** After the user process has started. */
  readonly poststart?: readonly Hook[];
  /** After the container is deleted. */
  readonly poststop?: readonly Hook[];
}

/** Linux-specific configuration. */
export interface Linux {
  /** User-namespace uid mappings; needs a `user` namespace. */
  readonly uidMappings?: readonly IdMapping[];
  /** User-namespace gid mappings; needs a `user` namespace. */
  readonly gidMappings?: readonly IdMapping[];
  /** Namespaced sysctls, written under `/proc/sys` (`net.ipv4.ip_forward` → `"0"`). */
  readonly sysctl?: Readonly<Record<string, string>>;
  /** cgroup limits. */
  readonly resources?: LinuxResources;
  /**
   * cgroup path: absolute (`/soulbox/sb-123`) or relative to the runtime's cgroup. With
   * runc's systemd driver it is `slice:prefix:name` instead.
   */
  readonly cgroupsPath?: string;
  /** Namespaces to create (no `path`) or join (`path`). A type left out is shared with the host. */
  readonly namespaces?: readonly LinuxNamespace[];
  /** Device nodes to create besides the spec's defaults (null, zero, full, random, urandom, tty, ptmx). */
  readonly devices?: readonly LinuxDevice[];
  /** The seccomp filter. Absent = no filter. */
  readonly seccomp?: LinuxSeccomp;
  /** Propagation of the root mount. */
  readonly rootfsPropagation?: RootfsPropagation;
  /** Paths made unreadable: a file is covered by `/dev/null`, a directory by an empty read-only tmpfs. */
  readonly maskedPaths?: readonly string[];
  /** Paths bind-mounted read-only over themselves. */
  readonly readonlyPaths?: readonly string[];
  /** SELinux context for the container's mounts. */
  readonly mountLabel?: string;
}

/** One range of a user-namespace id mapping. */
export interface IdMapping {
  /** First id inside the container. */
  readonly containerID: number;
  /** First id on the host that `containerID` maps to. */
  readonly hostID: number;
  /** Number of consecutive ids mapped. */
  readonly size: number;
}

/** Namespace types runc 1.1 knows (the time namespace came in runc 1.2). */
export type LinuxNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

/** A namespace to create, or to join when `path` is set. */
export interface LinuxNamespace {
  /** Which namespace. */
  readonly type: LinuxNamespaceType;
  /** `/proc/<pid>/ns/<type>` or a bind-mounted namespace file (`/run/netns/sb-1`) to join. */
  readonly path?: string;
}

/** A device node created in the container's `/dev`. */
export interface LinuxDevice {
  /** `c` character, `b` block, `u` unbuffered character, `p` FIFO. */
  readonly type: 'c' | 'b' | 'u' | 'p';
  /** Absolute path inside the container. */
  readonly path: string;
  /** Major number (not for `p`). */
  readonly major?: number;
  /** Minor number (not for `p`). */
  readonly minor?: number;
  /** Permission bits, e.g. `0o666`. */
  readonly fileMode?: number;
  /** Owner uid inside the container. */
  readonly uid?: number;
  /** Owner gid inside the container. */
  readonly gid?: number;
}

/** Mount propagation of the root. */
export type RootfsPropagation =
  | 'private'
  | 'rprivate'
  | 'slave'
  | 'rslave'
  | 'shared'
  | 'rshared'
  | 'unbindable'
  | 'runbindable';

/** cgroup limits. runc maps them onto v1 controllers or v2 files, whichever the host has. */
export interface LinuxResources {
  /** Device cgroup allow/deny list, applied in order (v2: an eBPF program). */
  readonly devices?: readonly LinuxDeviceCgroup[];
  /** Memory limits. */
  readonly memory?: LinuxMemory;
  /** CPU limits. */
  readonly cpu?: LinuxCpu;
  /** Process-count limit. */
  readonly pids?: LinuxPids;
  /** Block-I/O weights and throttles. */
  readonly blockIO?: LinuxBlockIO;
  /**
   * Raw cgroup v2 files, by file name (`memory.high` → `"536870912"`). Only valid on a v2
   * (unified) hierarchy; runc refuses it on v1.
   */
  readonly unified?: Readonly<Record<string, string>>;
}

/** One device cgroup rule. */
export interface LinuxDeviceCgroup {
  /** Allow (true) or deny (false) the access. */
  readonly allow: boolean;
  /** `a` all, `c` character, `b` block. @default 'a' */
  readonly type?: 'a' | 'c' | 'b';
  /** Major number; absent = any. */
  readonly major?: number;
  /** Minor number; absent = any. */
  readonly minor?: number;
  /** Any of `r` read, `w` write, `m` mknod, e.g. `rwm`. */
  readonly access?: string;
}

/** Memory limits. All sizes in bytes; −1 means unlimited. */
export interface LinuxMemory {
  /** Hard limit, in bytes (v1 `memory.limit_in_bytes`, v2 `memory.max`). */
  readonly limit?: number;
  /** Soft limit, in bytes (v1 `memory.soft_limit_in_bytes`, v2 `memory.low`). */
  readonly reservation?: number;
  /**
   * Memory **plus** swap, in bytes (v1 semantics, `memory.memsw.limit_in_bytes`). On v2 runc
   * writes `swap − limit` to `memory.swap.max`; equal to `limit` means no swap.
   */
  readonly swap?: number;
  /** Do not OOM-kill in the cgroup; tasks wait for memory instead (v1 only). */
  readonly disableOOMKiller?: boolean;
  /** Swappiness 0–100 (v1 only). */
  readonly swappiness?: number;
}

/** CPU limits. */
export interface LinuxCpu {
  /** Relative weight, 2–262144, default 1024 (v1 `cpu.shares`; v2 converted to `cpu.weight`). */
  readonly shares?: number;
  /** Microseconds of CPU time the group may use per `period`; −1 = unlimited. */
  readonly quota?: number;
  /** Length of a quota period, in microseconds (1000–1000000). @default 100000 */
  readonly period?: number;
  /** CPUs the group may run on, in cpuset list syntax (`0-3,6`). */
  readonly cpus?: string;
  /** Memory nodes the group may allocate from, in cpuset list syntax. */
  readonly mems?: string;
}

/** Process-count limit. */
export interface LinuxPids {
  /** Most tasks (processes and threads) in the cgroup; −1 or 0 = unlimited. */
  readonly limit: number;
}

/** Block-I/O weights and throttles. */
export interface LinuxBlockIO {
  /** Relative weight, 10–1000. */
  readonly weight?: number;
  /** Weight for the group's own tasks against its children, 10–1000 (v1 CFQ only). */
  readonly leafWeight?: number;
  /** Per-device weights. */
  readonly weightDevice?: readonly LinuxWeightDevice[];
  /** Per-device read limits, in bytes per second. */
  readonly throttleReadBpsDevice?: readonly LinuxThrottleDevice[];
  /** Per-device write limits, in bytes per second. */
  readonly throttleWriteBpsDevice?: readonly LinuxThrottleDevice[];
  /** Per-device read limits, in I/O operations per second. */
  readonly throttleReadIOPSDevice?: readonly LinuxThrottleDevice[];
  /** Per-device write limits, in I/O operations per second. */
  readonly throttleWriteIOPSDevice?: readonly LinuxThrottleDevice[];
}

/** A block device weight. */
export interface LinuxWeightDevice {
  /** Device major number. */
  readonly major: number;
  /** Device minor number. */
  readonly minor: number;
  /** Relative weight, 10–1000. */
  readonly weight?: number;
  /** Leaf weight, 10–1000 (v1 CFQ only). */
  readonly leafWeight?: number;
}

/** A block device rate limit. */
export interface LinuxThrottleDevice {
  /** Device major number. */
  readonly major: number;
  /** Device minor number. */
  readonly minor: number;
  /** Rate: bytes per second or operations per second, by the list it is in. */
  readonly rate: number;
}

/** libseccomp actions, by the spec's names. */
export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

/** libseccomp architecture tokens, by the spec's names. */
export type SeccompArch =
  | 'SCMP_ARCH_X86'
  | 'SCMP_ARCH_X86_64'
  | 'SCMP_ARCH_X32'
  | 'SCMP_ARCH_ARM'
  | 'SCMP_ARCH_AARCH64'
  | 'SCMP_ARCH_MIPS'
  | 'SCMP_ARCH_MIPS64'
  | 'SCMP_ARCH_MIPS64N32'
  | 'SCMP_ARCH_MIPSEL'
  | 'SCMP_ARCH_MIPSEL64'
  | 'SCMP_ARCH_MIPSEL64N32'
  | 'SCMP_ARCH_PPC'
  | 'SCMP_ARCH_PPC64'
  | 'SCMP_ARCH_PPC64LE'
  | 'SCMP_ARCH_S390'
  | 'SCMP_ARCH_S390X'
  | 'SCMP_ARCH_PARISC'
  | 'SCMP_ARCH_PARISC64'
  | 'SCMP_ARCH_RISCV64';

/** seccomp(2) filter flags runc 1.1 accepts (TSYNC is accepted and implied). */
export type SeccompFlag =
  | 'SECCOMP_FILTER_FLAG_TSYNC'
  | 'SECCOMP_FILTER_FLAG_LOG'
  | 'SECCOMP_FILTER_FLAG_SPEC_ALLOW';

/** Argument comparison operators. */
export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

/** The seccomp filter. */
export interface LinuxSeccomp {
  /** Action for a syscall that no rule matches. */
  readonly defaultAction: SeccompAction;
  /** errno returned by `defaultAction: SCMP_ACT_ERRNO`. @default 1 (EPERM) */
  readonly defaultErrnoRet?: number;
  /** Syscall ABIs the filter covers; any other ABI is killed by the kernel filter. */
  readonly architectures?: readonly SeccompArch[];
  /** Flags passed to seccomp(2). */
  readonly flags?: readonly SeccompFlag[];
  /** Unix socket of a seccomp agent, for `SCMP_ACT_NOTIFY` rules. */
  readonly listenerPath?: string;
  /** Opaque string passed to the agent. */
  readonly listenerMetadata?: string;
  /** Rules, matched by syscall name (and arguments, where given). */
  readonly syscalls?: readonly LinuxSyscall[];
}

/** One seccomp rule: an action for some syscalls, optionally only for some arguments. */
export interface LinuxSyscall {
  /** Syscall names as libseccomp knows them; names it does not know are ignored by runc. */
  readonly names: readonly string[];
  /** What happens when the rule matches. */
  readonly action: SeccompAction;
  /** errno for `SCMP_ACT_ERRNO` / `SCMP_ACT_TRACE`. @default 1 (EPERM) */
  readonly errnoRet?: number;
  /**
   * Conditions, all of which must hold (AND). runc 1.1 turns them into separate rules (OR)
   * when two conditions test the same argument, so give one argument at most one condition.
   */
  readonly args?: readonly LinuxSeccompArg[];
}

/** A condition on one syscall argument. */
export interface LinuxSeccompArg {
  /** Argument position, 0–5. */
  readonly index: number;
  /** Value compared with; the mask for `SCMP_CMP_MASKED_EQ`. */
  readonly value: number;
  /** For `SCMP_CMP_MASKED_EQ`: the value `(arg & value)` must equal. @default 0 */
  readonly valueTwo?: number;
  /** The comparison. */
  readonly op: SeccompOperator;
}
