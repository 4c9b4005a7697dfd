import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  type Capability,
  DEFAULT_CAPABILITIES,
  HARDENED_CAPABILITIES,
  LINUX_CAPABILITIES,
} from './capabilities.js';
import type { LinuxSeccomp } from './oci-spec.js';
import { createSeccompProfile, type SeccompHostArch } from './seccomp-profile.js';

const EPERM = 1;
const ENOSYS = 38;
const ARCHES: readonly SeccompHostArch[] = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64'];

type Verdict = 'allow' | number;

/** A whitespace-separated list of syscall names. */
function words(text: string): string[] {
  return text.trim().split(/\s+/);
}

/**
 * What the filter does with one call, by the spec's rule semantics: conditions within a rule
 * are ANDed, rules are ORed, an allow wins over an errno rule (the profile never has both
 * for one call).
 */
function verdict(profile: LinuxSeccomp, name: string, args: readonly number[] = []): Verdict {
  let errno: number | undefined;
  for (const rule of profile.syscalls ?? []) {
    if (!rule.names.includes(name)) continue;
    const matches = (rule.args ?? []).every((cond) => {
      const arg = args[cond.index] ?? 0;
      switch (cond.op) {
        case 'SCMP_CMP_EQ':
          return arg === cond.value;
        case 'SCMP_CMP_MASKED_EQ':
          // Masks here stay below 2^31, where JS bitwise operators are exact.
          return (arg & cond.value) === (cond.valueTwo ?? 0);
        default:
          throw new Error(`verdict() does not model ${cond.op}`);
      }
    });
    if (!matches) continue;
    if (rule.action === 'SCMP_ACT_ALLOW') return 'allow';
    if (rule.action === 'SCMP_ACT_ERRNO') errno = rule.errnoRet ?? EPERM;
  }
  return errno ?? profile.defaultErrnoRet ?? EPERM;
}

/** Every name a profile emits, for any capability set. */
function allNames(profile: LinuxSeccomp): string[] {
  return (profile.syscalls ?? []).flatMap((rule) => rule.names);
}

/** socketcall(2)'s call number for socket(2). */
const SYS_SOCKET = 1;

/** ABIs with the socketcall(2) multiplexer, whose socket rules libseccomp rewrites. */
const SOCKETCALL_ABIS: ReadonlySet<string> = new Set([
  'SCMP_ARCH_X86',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPSEL',
]);

const CLONE_NEWNS = 0x20000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNET = 0x40000000;
// What pthread_create and fork pass: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|… and SIGCHLD.
const CLONE_THREAD_FLAGS = 0x3d0f00;
const SIGCHLD = 17;

/** Refused whatever the capabilities: Docker never allows them either. */
const NEVER_ALLOWED = words(`
  keyctl add_key request_key kexec_load kexec_file_load pivot_root swapon swapoff userfaultfd
  io_uring_setup io_uring_enter io_uring_register nfsservctl uselib _sysctl create_module
  query_module get_kernel_syms vm86 vm86old
`);

/** Refused with the default capabilities, allowed only with the one named. */
const GATED: ReadonlyArray<readonly [string, Capability]> = [
  ['mount', 'CAP_SYS_ADMIN'],
  ['umount2', 'CAP_SYS_ADMIN'],
  ['unshare', 'CAP_SYS_ADMIN'],
  ['setns', 'CAP_SYS_ADMIN'],
  ['fsopen', 'CAP_SYS_ADMIN'],
  ['open_tree', 'CAP_SYS_ADMIN'],
  ['lookup_dcookie', 'CAP_SYS_ADMIN'],
  ['quotactl', 'CAP_SYS_ADMIN'],
  ['sethostname', 'CAP_SYS_ADMIN'],
  ['bpf', 'CAP_SYS_ADMIN'],
  ['bpf', 'CAP_BPF'],
  ['perf_event_open', 'CAP_SYS_ADMIN'],
  ['perf_event_open', 'CAP_PERFMON'],
  ['syslog', 'CAP_SYSLOG'],
  ['open_by_handle_at', 'CAP_DAC_READ_SEARCH'],
  ['reboot', 'CAP_SYS_BOOT'],
  ['init_module', 'CAP_SYS_MODULE'],
  ['finit_module', 'CAP_SYS_MODULE'],
  ['delete_module', 'CAP_SYS_MODULE'],
  ['acct', 'CAP_SYS_PACCT'],
  ['kcmp', 'CAP_SYS_PTRACE'],
  ['pidfd_getfd', 'CAP_SYS_PTRACE'],
  ['iopl', 'CAP_SYS_RAWIO'],
  ['settimeofday', 'CAP_SYS_TIME'],
  ['clock_settime', 'CAP_SYS_TIME'],
  ['vhangup', 'CAP_SYS_TTY_CONFIG'],
  ['mbind', 'CAP_SYS_NICE'],
  ['set_mempolicy', 'CAP_SYS_NICE'],
];

/**
 * What bash, coreutils, node, python, git, apt and sudo call on glibc 2.36 (strace of each).
 * All must pass, or ordinary sandboxes break.
 */
const WORKLOAD = words(`
  execve brk mmap mprotect munmap arch_prctl set_tid_address set_robust_list rseq prlimit64
  getrandom openat newfstatat statx fstat read pread64 write close close_range lseek getdents64
  faccessat2 readlink getcwd ioctl fcntl dup2 pipe2 eventfd2 epoll_create1 epoll_ctl epoll_pwait
  epoll_wait futex madvise mremap sched_getaffinity sched_yield rt_sigaction rt_sigprocmask
  rt_sigreturn sigaltstack wait4 waitid kill tgkill getpid gettid getuid geteuid setresuid
  setresgid setgroups capget capset prctl uname sysinfo umask chdir mkdir mkdirat unlinkat
  renameat2 linkat symlinkat fchmodat fchownat utimensat copy_file_range sendfile fsync fdatasync
  ftruncate fallocate flock memfd_create pidfd_open pidfd_send_signal clock_gettime
  clock_nanosleep nanosleep timerfd_create inotify_init1 inotify_add_watch connect bind listen
  accept4 sendto recvfrom sendmsg recvmsg setsockopt getsockopt getsockname shutdown socketpair
  vfork getpgrp setpgid setsid ptrace chroot
`);

/** libseccomp 2.5.4-1+deb12u1's syscall names (Debian bookworm; table up to Linux 6.7). */
const LIBSECCOMP_NAMES = new Set(
  words(`
  _llseek _newselect _sysctl accept accept4 access acct add_key adjtimex afs_syscall alarm arch_prctl
  arm_fadvise64_64 arm_sync_file_range bdflush bind bpf break breakpoint brk cachectl cacheflush
  cachestat capget capset chdir chmod chown chown32 chroot clock_adjtime clock_adjtime64 clock_getres
  clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64
  clock_settime clock_settime64 clone clone3 close close_range connect copy_file_range creat
  create_module delete_module dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old
  epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group
  faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_init fanotify_mark fchdir fchmod
  fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr finit_module
  flistxattr flock fork fremovexattr fsconfig fsetxattr fsmount fsopen fspick fstat fstat64 fstatat64
  fstatfs fstatfs64 fsync ftime ftruncate ftruncate64 futex futex_requeue futex_time64 futex_wait
  futex_waitv futex_wake futimesat get_kernel_syms get_mempolicy get_robust_list get_thread_area
  get_tls getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32
  getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getpmsg getppid getpriority
  getrandom getresgid getresgid32 getresuid getresuid32 getrlimit getrusage getsid getsockname
  getsockopt gettid gettimeofday getuid getuid32 getxattr gtty idle init_module inotify_add_watch
  inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy io_getevents io_pgetevents
  io_pgetevents_time64 io_setup io_submit io_uring_enter io_uring_register io_uring_setup ioctl ioperm
  iopl ioprio_get ioprio_set ipc kcmp kexec_file_load kexec_load keyctl kill landlock_add_rule
  landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen
  listxattr llistxattr lock lookup_dcookie lremovexattr lseek lsetxattr lstat lstat64 madvise
  map_shadow_stack mbind membarrier memfd_create memfd_secret migrate_pages mincore mkdir mkdirat
  mknod mknodat mlock mlock2 mlockall mmap mmap2 modify_ldt mount mount_setattr move_mount move_pages
  mprotect mpx mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
  mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync multiplexer munlock
  munlockall munmap name_to_handle_at nanosleep newfstatat nfsservctl nice oldfstat oldlstat
  oldolduname oldstat olduname open open_by_handle_at open_tree openat openat2 pause pciconfig_iobase
  pciconfig_read pciconfig_write perf_event_open personality pidfd_getfd pidfd_open pidfd_send_signal
  pipe pipe2 pivot_root pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64
  preadv preadv2 prlimit64 process_madvise process_mrelease process_vm_readv process_vm_writev prof
  profil pselect6 pselect6_time64 ptrace putpmsg pwrite64 pwritev pwritev2 query_module quotactl
  quotactl_fd read readahead readdir readlink readlinkat readv reboot recv recvfrom recvmmsg
  recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 request_key
  restart_syscall riscv_flush_icache rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
  rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
  rtas s390_guarded_storage s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr s390_sthyi
  sched_get_priority_max sched_get_priority_min sched_getaffinity sched_getattr sched_getparam
  sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
  sched_setattr sched_setparam sched_setscheduler sched_yield seccomp security select semctl semget
  semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto set_mempolicy
  set_mempolicy_home_node set_robust_list set_thread_area set_tid_address set_tls setdomainname
  setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 sethostname setitimer
  setns setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid
  setreuid32 setrlimit setsid setsockopt settimeofday setuid setuid32 setxattr sgetmask shmat shmctl
  shmdt shmget shutdown sigaction sigaltstack signal signalfd signalfd4 sigpending sigprocmask
  sigreturn sigsuspend socket socketcall socketpair splice spu_create spu_run ssetmask stat stat64
  statfs statfs64 statx stime stty subpage_prot swapcontext swapoff swapon switch_endian symlink
  symlinkat sync sync_file_range sync_file_range2 syncfs sys_debug_setcontext syscall sysfs sysinfo
  syslog sysmips tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime
  timer_gettime64 timer_settime timer_settime64 timerfd timerfd_create timerfd_gettime
  timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 tuxcall
  ugetrlimit ulimit umask umount umount2 uname unlink unlinkat unshare uselib userfaultfd usr26 usr32
  ustat utime utimensat utimensat_time64 utimes vfork vhangup vm86 vm86old vmsplice vserver wait4
  waitid waitpid write writev
`),
);

describe('createSeccompProfile', () => {
  it('refuses by default with EPERM and covers the host ABI (and AArch32 on arm64)', () => {
    const x64 = createSeccompProfile({ capabilities: DEFAULT_CAPABILITIES, arch: 'x64' });
    assert.equal(x64.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(x64.defaultErrnoRet, EPERM);
    // No ia32, no x32: unlisted ABIs are killed with SIGSYS (libseccomp's bad-arch action).
    assert.deepEqual(x64.architectures, ['SCMP_ARCH_X86_64']);
    const arm64 = createSeccompProfile({ capabilities: DEFAULT_CAPABILITIES, arch: 'arm64' });
    assert.deepEqual(arm64.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.equal(verdict(arm64, 'set_tls'), 'allow');
    assert.equal(verdict(arm64, 'arch_prctl'), EPERM);
    assert.equal(verdict(x64, 'arch_prctl'), 'allow');
    assert.equal(verdict(x64, 'set_tls'), EPERM);
  });

  it('builds for the host architecture by default and refuses unknown ones', () => {
    if ((ARCHES as readonly string[]).includes(process.arch)) {
      assert.deepEqual(
        createSeccompProfile({ capabilities: DEFAULT_CAPABILITIES }),
        createSeccompProfile({ capabilities: DEFAULT_CAPABILITIES, arch: process.arch as SeccompHostArch }),
      );
    }
    assert.throws(
      () => createSeccompProfile({ capabilities: DEFAULT_CAPABILITIES, arch: 'ia32' as SeccompHostArch }),
      /no seccomp profile for host architecture 'ia32'/,
    );
  });

  it('is JSON as runc reads it: every rule has names and an action, args have index/value/op', () => {
    const profile = createSeccompProfile({ capabilities: DEFAULT_CAPABILITIES, arch: 'x64' });
    const copy = JSON.parse(JSON.stringify(profile)) as LinuxSeccomp;
    assert.deepEqual(copy, profile);
    for (const rule of profile.syscalls ?? []) {
      assert.ok(rule.names.length > 0);
      for (const arg of rule.args ?? []) {
        assert.ok(arg.index >= 0 && arg.index <= 5 && Number.isSafeInteger(arg.value) && arg.value >= 0);
      }
    }
  });

  for (const [label, caps] of [
    ['default', DEFAULT_CAPABILITIES],
    ['hardened', HARDENED_CAPABILITIES],
  ] as const) {
    it(`lets an ordinary workload run with the ${label} capabilities`, () => {
      const profile = createSeccompProfile({ capabilities: caps, arch: 'x64' });
      const refused = WORKLOAD.filter(
        (name) => verdict(profile, name) !== 'allow' && !(name === 'chroot' && label === 'hardened'),
      );
      assert.deepEqual(refused, []);
      assert.equal(verdict(profile, 'clone', [CLONE_THREAD_FLAGS]), 'allow');
      assert.equal(verdict(profile, 'clone', [SIGCHLD]), 'allow');
      // glibc tries clone3 first and falls back to clone on ENOSYS only.
      assert.equal(verdict(profile, 'clone3'), ENOSYS);
      for (const family of [1, 2, 10, 16, 17]) assert.equal(verdict(profile, 'socket', [family]), 'allow');
      for (const persona of [0, 8, 0x20000, 0x20008, 0xffffffff]) {
        assert.equal(verdict(profile, 'personality', [persona]), 'allow');
      }
    });

    it(`refuses escapes and host-wide operations with the ${label} capabilities`, () => {
      const profile = createSeccompProfile({ capabilities: caps, arch: 'x64' });
      for (const [name] of GATED) assert.equal(verdict(profile, name), EPERM, name);
      for (const name of NEVER_ALLOWED) assert.equal(verdict(profile, name), EPERM, name);
      for (const flag of [CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET]) {
        assert.equal(verdict(profile, 'clone', [flag | SIGCHLD]), EPERM);
      }
      // AF_ALG (copy.fail), AF_VSOCK (the hypervisor), AF_TIPC, AF_RDS, AF_CAN, AF_KCM, AF_SMC.
      for (const family of [38, 40, 30, 21, 29, 41, 43]) {
        assert.equal(verdict(profile, 'socket', [family]), EPERM, `family ${family}`);
      }
      // ADDR_NO_RANDOMIZE would switch off ASLR; READ_IMPLIES_EXEC makes data executable.
      assert.equal(verdict(profile, 'personality', [0x40000]), EPERM);
      assert.equal(verdict(profile, 'personality', [0x400000]), EPERM);
    });
  }

  it('allows each capability-gated syscall once its capability is granted', () => {
    for (const [name, capability] of GATED) {
      const profile = createSeccompProfile({
        capabilities: [...DEFAULT_CAPABILITIES, capability],
        arch: 'x64',
      });
      assert.equal(verdict(profile, name), 'allow', `${name} with ${capability}`);
    }
  });

  it('with CAP_SYS_ADMIN allows namespaces and mounts, and clone with any flags', () => {
    const profile = createSeccompProfile({
      capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'],
      arch: 'x64',
    });
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'clone3', 'fsmount', 'move_mount']) {
      assert.equal(verdict(profile, name), 'allow', name);
    }
    assert.equal(verdict(profile, 'clone', [CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD]), 'allow');
    assert.ok(
      !(profile.syscalls ?? []).some(
        (rule) => rule.names.includes('clone3') && rule.action !== 'SCMP_ACT_ALLOW',
      ),
    );
  });

  it('never allows the always-refused syscalls, even with every capability', () => {
    for (const arch of ARCHES) {
      const profile = createSeccompProfile({ capabilities: LINUX_CAPABILITIES, arch });
      for (const name of NEVER_ALLOWED) assert.equal(verdict(profile, name), EPERM, `${name} on ${arch}`);
    }
  });

  it('checks the clone flags in the second argument on s390x', () => {
    const profile = createSeccompProfile({ capabilities: DEFAULT_CAPABILITIES, arch: 's390x' });
    assert.deepEqual(profile.architectures, ['SCMP_ARCH_S390X']);
    assert.equal(verdict(profile, 'clone', [0, CLONE_NEWUSER]), EPERM);
    assert.equal(verdict(profile, 'clone', [CLONE_NEWUSER, SIGCHLD]), 'allow');
  });

  it('never allows socketcall, and lists no ABI whose socketcall would undo the family filter', () => {
    for (const arch of ARCHES) {
      const profile = createSeccompProfile({ capabilities: LINUX_CAPABILITIES, arch });
      assert.equal(verdict(profile, 'socketcall', [SYS_SOCKET]), EPERM, arch);
      const multiplexed = (profile.architectures ?? []).filter((a) => SOCKETCALL_ABIS.has(a));
      // ppc64le and s390x have socketcall natively (documented in docs/runtime.md); the
      // others must not list a companion ABI that has it.
      const native = { ppc64: ['SCMP_ARCH_PPC64LE'], s390x: ['SCMP_ARCH_S390X'] } as const;
      assert.deepEqual(multiplexed, arch in native ? native[arch as keyof typeof native] : [], arch);
    }
  });

  it('compiles, with the installed libseccomp, to a filter that allows socketcall on no ABI', (t) => {
    if (process.arch !== 'x64') {
      t.skip('the compiled-filter check is written for x86_64 hosts');
      return;
    }
    const profile = createSeccompProfile({ capabilities: DEFAULT_CAPABILITIES, arch: 'x64' });
    const compiled = compileWithLibseccomp(profile);
    if (compiled.error !== undefined) {
      t.skip(`no libseccomp to ask (${compiled.error})`);
      return;
    }
    assert.doesNotMatch(compiled.pfc, /"socketcall"/);
    assert.match(compiled.pfc, /# filter for syscall "socket" \(41\)/);
    assert.match(compiled.pfc, /# invalid architecture action\naction KILL;/);
    // Why ia32 is not listed: libseccomp turns the family rules into socketcall(SYS_SOCKET)
    // allows without the family, so adding it would reopen every family to 32-bit code.
    const withIa32 = compileWithLibseccomp({
      ...profile,
      architectures: [...(profile.architectures ?? []), 'SCMP_ARCH_X86'],
    });
    assert.match(withIa32.pfc, /"socketcall" \(102\)[^#]*if \(\$a0 == 1\)\n\s+action ALLOW;/);
  });

  it('names each syscall once: no duplicate names, no unconditional name also conditioned', () => {
    for (const arch of ARCHES) {
      for (const caps of [DEFAULT_CAPABILITIES, HARDENED_CAPABILITIES, LINUX_CAPABILITIES, []]) {
        const rules = createSeccompProfile({ capabilities: caps, arch }).syscalls ?? [];
        const unconditional = rules.filter((rule) => !rule.args && rule.action === 'SCMP_ACT_ALLOW');
        assert.equal(unconditional.length, 1);
        const names = unconditional[0]?.names ?? [];
        assert.equal(new Set(names).size, names.length);
        const conditioned = rules.filter((rule) => rule !== unconditional[0]);
        for (const rule of conditioned) {
          for (const name of rule.names) assert.ok(!names.includes(name), `${name} is also unconditional`);
        }
        const keys = conditioned.map((rule) => JSON.stringify(rule));
        assert.equal(new Set(keys).size, keys.length);
      }
    }
  });

  it('emits only syscall names libseccomp 2.5.4 knows', () => {
    for (const arch of ARCHES) {
      const unknown = allNames(createSeccompProfile({ capabilities: LINUX_CAPABILITIES, arch })).filter(
        (name) => !LIBSECCOMP_NAMES.has(name),
      );
      assert.deepEqual(unknown, [], arch);
    }
  });

  it('emits only names the installed libseccomp resolves', (t) => {
    const names = [
      ...new Set(
        ARCHES.flatMap((arch) => allNames(createSeccompProfile({ capabilities: LINUX_CAPABILITIES, arch }))),
      ),
    ];
    const result = resolveWithLibseccomp(names);
    if (typeof result === 'string') {
      t.skip(`no libseccomp to ask (${result}); the static list above still checked every name`);
      return;
    }
    assert.deepEqual(result, []);
  });
});

/**
 * Names the host's libseccomp (the one runc links) cannot resolve, asked through python3's
 * ctypes: Node has no FFI, and one process for all names is quicker than a
 * `scmp_sys_resolver` run per name. Returns why it could not ask, as a string.
 */
function resolveWithLibseccomp(names: readonly string[]): string[] | string {
  const script = [
    'import ctypes, sys',
    'lib = ctypes.CDLL("libseccomp.so.2")',
    'lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]',
    'names = sys.stdin.read().split()',
    // __NR_SCMP_ERROR (-1) means unknown; other negative numbers are valid pseudo-syscalls.
    'print(" ".join(n for n in names if lib.seccomp_syscall_resolve_name(n.encode()) == -1))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script], {
    input: names.join(' '),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.error) return run.error.message;
  if (run.status !== 0) return run.stderr.trim().split('\n').at(-1) ?? `python3 exited with ${run.status}`;
  return run.stdout.trim().split(/\s+/).filter(Boolean);
}

/**
 * Compiles a profile the way runc 1.1 does (seccomp_init with the default action, the listed
 * architectures, one seccomp_rule_add per name) with the host's libseccomp through python3's
 * ctypes, and returns libseccomp's own pseudo-filter-code listing of the result.
 */
function compileWithLibseccomp(profile: LinuxSeccomp): { pfc: string; error?: string } {
  const script = `
import ctypes, json, os, sys, tempfile
lib = ctypes.CDLL("libseccomp.so.2")
lib.seccomp_init.restype = ctypes.c_void_p
lib.seccomp_init.argtypes = [ctypes.c_uint32]
lib.seccomp_arch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
class Cmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]
lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(Cmp)]
lib.seccomp_export_pfc.argtypes = [ctypes.c_void_p, ctypes.c_int]
ARCH = {"SCMP_ARCH_X86_64": 0xc000003e, "SCMP_ARCH_X86": 0x40000003, "SCMP_ARCH_X32": 0x4000003e}
OPS = {"SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4, "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7}
prof = json.load(sys.stdin)
def act(action, errno):
    return 0x7fff0000 if action == "SCMP_ACT_ALLOW" else 0x00050000 | (errno & 0xffff)
ctx = lib.seccomp_init(act(prof["defaultAction"], prof.get("defaultErrnoRet", 1)))
for a in prof["architectures"]:
    r = lib.seccomp_arch_add(ctx, ARCH[a])
    if r not in (0, -17): sys.exit(f"arch {a}: {r}")
for rule in prof["syscalls"]:
    for name in rule["names"]:
        nr = lib.seccomp_syscall_resolve_name(name.encode())
        if nr == -1: continue
        conds = rule.get("args") or []
        arr = (Cmp * max(1, len(conds)))(*[Cmp(c["index"], OPS[c["op"]], c["value"], c.get("valueTwo", 0)) for c in conds])
        r = lib.seccomp_rule_add_array(ctx, act(rule["action"], rule.get("errnoRet", 1)), nr, len(conds), arr)
        if r != 0: sys.exit(f"rule {name}: {r}")
fd, path = tempfile.mkstemp()
lib.seccomp_export_pfc(ctx, fd)
os.close(fd)
sys.stdout.write(open(path).read())
os.unlink(path)
`;
  const run = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(profile),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.error) return { pfc: '', error: run.error.message };
  if (run.status !== 0)
    return { pfc: '', error: run.stderr.trim().split('\n').at(-1) ?? `python3 exited with ${run.status}` };
  return { pfc: run.stdout };
}
