import { type IsolationTools, isolatedArgv, type RunToolOptions, runTool } from './run-tool.js';

/**
 * Runs as the init of the private mount + PID namespace (see `isolatedArgv`): gives the
 * chroot a fresh proc, a read-only sysfs and a private /dev on tmpfs (so package scripts
 * never touch the host's device nodes), then becomes `chroot "$root" "$@"`. Its arguments
 * are `$1` = rootfs, the rest = the command; paths never get spliced into this text.
 */
export const CHROOT_MOUNT_SCRIPT = `set -eu
root=$1
shift
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t tmpfs -o nosuid,mode=0755,size=16m tmpfs "$root/dev"
for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  name=\${spec%%:*}
  nums=\${spec#*:}
  mknod -m 0666 "$root/dev/$name" c "\${nums%%:*}" "\${nums#*:}"
done
mkdir -m 0755 "$root/dev/pts"
mkdir -m 1777 "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
exec chroot "$root" "$@"
`;

export interface ChrootScriptOptions extends Omit<RunToolOptions, 'argv'> {
  tools: IsolationTools;
  rootfs: string;
  /** Bash script text, run as root inside the chroot with `set -euo pipefail`. */
  script: string;
  /** Positional arguments of the script (`$1`…), passed as argv entries, never spliced into text. */
  args?: readonly string[];
}

/** Runs a bash script inside `rootfs` with proc/sys/dev mounted, in a throw-away mount namespace. */
export function runChrootScript(options: ChrootScriptOptions): Promise<void> {
  const { tools, rootfs, script, args = [], ...run } = options;
  const inner = ['/bin/bash', '-euo', 'pipefail', '-c', script, 'soulbox-build', ...args];
  return runTool({
    ...run,
    argv: isolatedArgv(tools, ['/bin/sh', '-c', CHROOT_MOUNT_SCRIPT, 'soulbox-chroot', rootfs, ...inner]),
  });
}
