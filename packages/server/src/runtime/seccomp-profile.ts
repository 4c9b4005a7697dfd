/**
 * The seccomp filter every sandbox runs under: an allow-list modelled on Docker's default
 * profile (moby/profiles `seccomp/default_linux.go`), so anything that runs under
 * `docker run` runs in a sandbox, and anything Docker refuses is refused here too.
 *
 * Shape: unknown or refused syscalls fail with EPERM; ordinary syscalls are allowed; a few
 * are allowed only for harmless arguments (personality, socket, clone); syscalls that only
 * a capability makes useful are allowed only when the sandbox gets that capability, so the
 * filter never widens what the capability set already forbids. SoulBox's own choices,
 * stricter than Docker, are marked "SoulBox:".
 *
 * Every name below is one libseccomp 2.5.4 knows (Debian bookworm's 2.5.4-1+deb12u1, whose
 * table reaches Linux 6.7; cachestat, fchmodat2, map_shadow_stack and futex_wait/wake/requeue
 * are newer than upstream 2.5.4's); the test checks it. runc 1.1 skips names its libseccomp
 * does not know, and answers any syscall numbered above the highest one the profile names
 * with ENOSYS rather than EPERM, so syscalls newer than this list (mseal, statmount,
 * listmount, setxattrat …) look "not implemented" and libc falls back, as on older kernels.
 */
import { arch as processArch } from 'node:process';
import type { Capability } from './capabilities.js';
import type { LinuxSeccomp, LinuxSyscall, SeccompArch } from './oci-spec.js';

/** Host CPU architectures SoulBox has a profile for, by Node's `process.arch` names. */
export type SeccompHostArch = 'x64' | 'arm64' | 'ppc64' | 's390x' | 'riscv64';

/** Options of {@link createSeccompProfile}. */
export interface SeccompProfileOptions {
  /** Capabilities the sandbox's processes get; gates the capability-only syscalls. */
  readonly capabilities: readonly Capability[];
  /** Host architecture the filter is built for. @default process.arch */
  readonly arch?: SeccompHostArch;
}

const EPERM = 1;
const ENOSYS = 38;

/** Splits a whitespace-separated list of syscall names: the lists stay readable and short. */
function words(text: string): readonly string[] {
  return Object.freeze(text.trim().split(/\s+/));
}

/**
 * Always allowed, by theme. The `*32`, `*64`, `*_time64` and old-ABI names are the same
 * calls on the 32-bit ABI a filter may also cover (arm under aarch64); a name that does not
 * exist on an architecture is skipped for it.
 */
const ALWAYS_ALLOWED = {
  processes: words(`
    execve execveat exit exit_group fork vfork wait4 waitid waitpid getpid getppid gettid
    getpgid getpgrp setpgid getsid setsid prctl restart_syscall set_tid_address
    set_robust_list get_robust_list set_thread_area get_thread_area rseq membarrier
    getcpu getrusage times capget capset pidfd_open pidfd_send_signal process_mrelease
  `),
  // Allowed by Docker on kernels >= 4.8, where ptrace can no longer be used to skip the
  // filter. Node 20 needs kernel >= 4.18, so every SoulBox host qualifies. Tracing another
  // user's process still needs CAP_SYS_PTRACE; this lets strace and gdb work in a sandbox.
  debugging: words('ptrace process_vm_readv process_vm_writev'),
  // A process may narrow itself further (Chromium's sandbox, systemd-run, landlock-aware tools).
  selfSandboxing: words('seccomp landlock_add_rule landlock_create_ruleset landlock_restrict_self'),
  identity: words(`
    getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32
    getresuid getresuid32 getresgid getresgid32 getgroups getgroups32
    setuid setuid32 setgid setgid32 setreuid setreuid32 setregid setregid32
    setresuid setresuid32 setresgid setresgid32 setfsuid setfsuid32 setfsgid setfsgid32
    setgroups setgroups32
  `),
  signals: words(`
    kill tkill tgkill rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo
    rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
    sigaltstack sigprocmask sigreturn signalfd signalfd4 pause alarm
  `),
  threads: words('futex futex_time64 futex_waitv futex_wait futex_wake futex_requeue'),
  scheduling: words(`
    sched_yield sched_getaffinity sched_setaffinity sched_getattr sched_setattr
    sched_getparam sched_setparam sched_getscheduler sched_setscheduler
    sched_get_priority_max sched_get_priority_min sched_rr_get_interval
    sched_rr_get_interval_time64 getpriority setpriority ioprio_get ioprio_set
  `),
  // Reading clocks, sleeping, timers. adjtimex/clock_adjtime only read without CAP_SYS_TIME.
  time: words(`
    time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64
    clock_nanosleep clock_nanosleep_time64 nanosleep adjtimex clock_adjtime clock_adjtime64
    getitimer setitimer timer_create timer_delete timer_getoverrun timer_gettime
    timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
    timerfd_gettime64 timerfd_settime timerfd_settime64
  `),
  limits: words('getrlimit setrlimit ugetrlimit prlimit64 sysinfo uname umask'),
  memory: words(`
    brk mmap mmap2 munmap mremap mprotect madvise mincore msync remap_file_pages
    mlock mlock2 mlockall munlock munlockall memfd_create memfd_secret
    pkey_alloc pkey_free pkey_mprotect map_shadow_stack
  `),
  fileDescriptors: words(`
    open openat openat2 creat close close_range dup dup2 dup3 fcntl fcntl64 flock ioctl
    pipe pipe2 eventfd eventfd2
  `),
  fileIo: words(`
    read write readv writev pread64 pwrite64 preadv preadv2 pwritev pwritev2 lseek _llseek
    sendfile sendfile64 copy_file_range splice tee vmsplice readahead fadvise64
    fadvise64_64 fallocate ftruncate ftruncate64 truncate truncate64 fsync fdatasync sync
    syncfs sync_file_range cachestat
  `),
  fileMetadata: words(`
    stat stat64 lstat lstat64 fstat fstat64 fstatat64 newfstatat statx statfs statfs64
    fstatfs fstatfs64 access faccessat faccessat2 chmod fchmod fchmodat fchmodat2
    chown chown32 fchown fchown32 fchownat lchown lchown32 utime utimes utimensat
    utimensat_time64 futimesat name_to_handle_at
  `),
  directories: words(`
    getcwd chdir fchdir getdents getdents64 mkdir mkdirat mknod mknodat rmdir rename
    renameat renameat2 link linkat symlink symlinkat unlink unlinkat readlink readlinkat
  `),
  extendedAttributes: words(`
    getxattr lgetxattr fgetxattr setxattr lsetxattr fsetxattr listxattr llistxattr
    flistxattr removexattr lremovexattr fremovexattr
  `),
  polling: words(`
    poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64 epoll_create
    epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait epoll_pwait2
    inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark
  `),
  // Linux AIO (libaio: databases). io_uring is not here: Docker blocks it since 25.0
  // (moby#46762), as its operations bypass seccomp and it has been a steady source of
  // kernel exploits. libuv, liburing users and Tokio fall back to epoll and thread pools.
  asyncIo: words(`
    io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64
  `),
  ipc: words(`
    ipc msgget msgsnd msgrcv msgctl semget semop semtimedop semtimedop_time64 semctl
    shmget shmat shmdt shmctl mq_open mq_unlink mq_timedsend mq_timedsend_time64
    mq_timedreceive mq_timedreceive_time64 mq_notify mq_getsetattr
  `),
  // socket(2) itself is allowed per address family, below. SoulBox: socketcall(2), the old
  // multiplexer, is not here (Docker allows it, moby#52506): its arguments sit behind a
  // pointer seccomp cannot read, so it would create sockets of any family. See
  // ARCH_PROFILES for why the 32-bit x86 ABI is not allowed at all.
  sockets: words(`
    socketpair bind connect listen accept accept4 getsockname getpeername
    getsockopt setsockopt send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg
    recvmmsg_time64 shutdown
  `),
  // Randomness for every TLS library and language runtime.
  randomness: words('getrandom'),
} as const;

/**
 * Allowed on one host architecture (and the 32-bit companions listed with it) only.
 *
 * SoulBox: no 32-bit x86 (ia32) and no x32 ABI on x86_64 hosts, where Docker allows both.
 * libseccomp (2.5.4, the one runc links) turns every socket(2) rule on an ABI that has the
 * socketcall(2) multiplexer into "allow socketcall(SYS_SOCKET, …)" and drops the family
 * condition, since the family sits behind socketcall's pointer (`x86_rule_add`, arch-x86.c);
 * an extra deny rule for socketcall does not override it. Listing SCMP_ARCH_X86 would thus
 * let a 32-bit program (or a 64-bit one executing `int 0x80`) open AF_VSOCK, AF_ALG or any
 * other refused family. Unlisted ABIs hit libseccomp's bad-architecture action: the process
 * is killed with SIGSYS at its first such syscall. 32-bit x86 binaries do not run in a
 * sandbox (gVisor has the same rule). arm64's AArch32 has no multiplexer in libseccomp and
 * is filtered like AArch64. ppc64le and s390x have socketcall natively, so there the family
 * filter cannot be enforced this way (see docs/runtime.md); SoulBox is tested on x86_64.
 */
const ARCH_PROFILES: Readonly<
  Record<
    SeccompHostArch,
    { readonly architectures: readonly SeccompArch[]; readonly syscalls: readonly string[] }
  >
> = {
  x64: {
    architectures: ['SCMP_ARCH_X86_64'],
    // arch_prctl sets the TLS base (every x86_64 program); modify_ldt is used by Wine/DOSEMU.
    syscalls: words('arch_prctl modify_ldt'),
  },
  arm64: {
    architectures: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    // The 32-bit ARM ABI's private calls (TLS, cache flush for JITs, debug breakpoints).
    syscalls: words('arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls'),
  },
  // Node's `ppc64` is little-endian: Node ships no big-endian Linux build.
  ppc64: {
    architectures: ['SCMP_ARCH_PPC64LE'],
    syscalls: words('sync_file_range2 swapcontext'),
  },
  s390x: {
    // No 31-bit s390 ABI, for the same reason as no ia32 on x86_64.
    architectures: ['SCMP_ARCH_S390X'],
    syscalls: words('s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr'),
  },
  riscv64: {
    architectures: ['SCMP_ARCH_RISCV64'],
    syscalls: words('riscv_flush_icache'),
  },
};

/**
 * Allowed only with the capability, because without it the kernel refuses them anyway (or
 * they are only safe for holders of it) and each is an attack surface. CAP_SYS_RESOURCE,
 * CAP_IPC_LOCK, CAP_NET_ADMIN and the rest gate nothing here: the syscalls they govern
 * (setrlimit, mlock, ioctl, setsockopt …) are ordinary ones whose privileged uses the
 * kernel checks itself.
 */
const CAPABILITY_GATED: Readonly<Partial<Record<Capability, readonly string[]>>> = {
  // Namespaces, mounts, new-style mount API, quotas, host/domain names, kernel log,
  // fanotify, and the BPF and perf subsystems (also under their own capabilities below).
  CAP_SYS_ADMIN: words(`
    mount umount umount2 mount_setattr move_mount open_tree fsopen fsconfig fsmount fspick
    unshare setns clone clone3 quotactl quotactl_fd sethostname setdomainname syslog
    fanotify_init lookup_dcookie bpf perf_event_open
  `),
  CAP_BPF: words('bpf'),
  CAP_PERFMON: words('perf_event_open'),
  CAP_SYSLOG: words('syslog'),
  // open_by_handle_at skips the path walk and its permission checks (the "shocker" escape).
  CAP_DAC_READ_SEARCH: words('open_by_handle_at'),
  CAP_SYS_BOOT: words('reboot'),
  CAP_SYS_CHROOT: words('chroot'),
  CAP_SYS_MODULE: words('init_module finit_module delete_module'),
  CAP_SYS_PACCT: words('acct'),
  // ptrace and process_vm_* are always allowed (above); these inspect or change other processes.
  CAP_SYS_PTRACE: words('kcmp pidfd_getfd process_madvise'),
  CAP_SYS_RAWIO: words('iopl ioperm'),
  CAP_SYS_TIME: words('settimeofday stime clock_settime clock_settime64'),
  CAP_SYS_TTY_CONFIG: words('vhangup'),
  // NUMA placement: moving memory between nodes affects other tenants of the host.
  CAP_SYS_NICE: words('get_mempolicy mbind set_mempolicy set_mempolicy_home_node'),
};

/**
 * Address families socket(2) may create. SoulBox: far fewer than Docker, which allows all
 * but AF_ALG and AF_VSOCK. Code runners need local, IP and netlink sockets (`ip`,
 * getifaddrs); the rarely used families (AF_ALG, AF_VSOCK — on a VM host the hypervisor —
 * AF_TIPC, AF_RDS, AF_CAN, AF_SMC, AF_KCM …) are where a run of privilege-escalation bugs
 * lived. AF_PACKET stays for tcpdump/dhclient: it needs CAP_NET_RAW, not in the hardened set.
 */
const SOCKET_FAMILIES = Object.freeze({
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  AF_NETLINK: 16,
  AF_PACKET: 17,
});

/**
 * personality(2) values allowed: PER_LINUX (0), PER_LINUX32 (8, `linux32` for 32-bit
 * builds), UNAME26 (0x20000, old software checking for a 2.6 kernel), both together, and
 * 0xffffffff, which only queries. Turning off address-space randomisation
 * (ADDR_NO_RANDOMIZE) or other flags is refused, as in Docker.
 */
const PERSONALITIES = Object.freeze([0x0, 0x8, 0x20000, 0x20008, 0xffffffff]);

/**
 * clone(2) flags that create namespaces. Without CAP_SYS_ADMIN the kernel refuses all but
 * CLONE_NEWUSER, and CLONE_NEWUSER is what unprivileged-userns exploits start with.
 * CLONE_NEWTIME cannot be passed to clone(), only to clone3/unshare, both refused.
 */
const CLONE_NAMESPACE_FLAGS =
  0x0002_0000 | // CLONE_NEWNS
  0x0200_0000 | // CLONE_NEWCGROUP
  0x0400_0000 | // CLONE_NEWUTS
  0x0800_0000 | // CLONE_NEWIPC
  0x1000_0000 | // CLONE_NEWUSER
  0x2000_0000 | // CLONE_NEWPID
  0x4000_0000; // CLONE_NEWNET

function isSupportedArch(arch: string): arch is SeccompHostArch {
  return Object.hasOwn(ARCH_PROFILES, arch);
}

/**
 * Builds the sandbox seccomp filter for a capability set and host architecture.
 *
 * With `DEFAULT_CAPABILITIES` it refuses, among others: mount, umount2, pivot_root,
 * unshare, setns, clone/clone3 with namespace flags, bpf, perf_event_open, keyctl,
 * add_key, request_key, kexec_load, kexec_file_load, init_module, finit_module,
 * delete_module, open_by_handle_at, userfaultfd, swapon, reboot, acct, lookup_dcookie and
 * io_uring. Some of these (keyctl and friends — the keyring is not namespaced —, kexec,
 * pivot_root, swapon, userfaultfd) are refused whatever the capabilities, as in Docker.
 *
 * @throws Error when the host architecture has no profile (32-bit hosts, mips, loong64).
 */
export function createSeccompProfile(options: SeccompProfileOptions): LinuxSeccomp {
  const arch = options.arch ?? processArch;
  if (!isSupportedArch(arch)) {
    throw new Error(
      `no seccomp profile for host architecture '${arch}' (supported: x64, arm64, ppc64, s390x, riscv64)`,
    );
  }
  const granted = new Set<Capability>(options.capabilities);
  const allowed = new Set<string>([...Object.values(ALWAYS_ALLOWED).flat(), ...ARCH_PROFILES[arch].syscalls]);
  for (const [capability, names] of Object.entries(CAPABILITY_GATED)) {
    if (granted.has(capability as Capability)) for (const name of names) allowed.add(name);
  }

  const rules: LinuxSyscall[] = [{ names: [...allowed].sort(), action: 'SCMP_ACT_ALLOW' }];
  // One rule per value: conditions within one rule are ANDed, separate rules are ORed.
  for (const family of Object.values(SOCKET_FAMILIES)) {
    rules.push(allowWhenArg0Is('socket', family));
  }
  for (const persona of PERSONALITIES) {
    rules.push(allowWhenArg0Is('personality', persona));
  }
  if (!granted.has('CAP_SYS_ADMIN')) {
    // s390 passes the stack first and the flags second: clone(stack, flags, …).
    const flagsArg = arch === 's390x' ? 1 : 0;
    rules.push({
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: flagsArg, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    // clone3 passes its flags in a struct that seccomp cannot read, so it cannot be checked
    // like clone. ENOSYS (not EPERM) makes glibc >= 2.34 fall back to clone.
    rules.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }

  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: ARCH_PROFILES[arch].architectures,
    syscalls: rules,
  };
}

function allowWhenArg0Is(name: string, value: number): LinuxSyscall {
  return { names: [name], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }] };
}
