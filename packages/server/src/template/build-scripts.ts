/**
 * Steps every template build runs around its recipe layers, as bash run by root inside the
 * build chroot (`set -euo pipefail`). Their text is part of the template hash, so editing
 * them rebuilds every template.
 */

/**
 * Before any package is installed. Arguments: `$1` mirror, `$2` suite, `$3` security mirror
 * (empty = none). The mirror is an argument, not part of the text, because it does not
 * change what gets built and must not change the hash.
 */
export const PREPARE_SCRIPT = `mirror=$1 suite=$2 security=$3
# invoke-rc.d asks policy-rc.d before starting a service; 101 = "forbidden". Nothing may
# start inside the build chroot (it would outlive the step and pin the mount namespace).
printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
# Leave out docs, man pages and translations, as Debian's -slim images do.
cat > /etc/dpkg/dpkg.cfg.d/soulbox-slim <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
# debootstrap only knows the release itself; updates and security fixes come from these.
{
  printf 'deb %s %s main\\n' "$mirror" "$suite"
  printf 'deb %s %s-updates main\\n' "$mirror" "$suite"
  if [ -n "$security" ]; then printf 'deb %s %s-security main\\n' "$security" "$suite"; fi
} > /etc/apt/sources.list
apt-get update -q
apt-get upgrade -y -q -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confold
`;

/** After the last layer: clean up, and leave the mount points and files the runtime expects. */
export const FINALIZE_SCRIPT = `apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old
# What debootstrap unpacked before the dpkg excludes were in place.
find /usr/share/doc -depth -mindepth 1 ! -type d ! -name copyright -delete
find /usr/share/doc -depth -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/* /usr/share/lintian/*
find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
# Build logs and caches describe the build host, not the sandbox.
rm -rf /var/log/apt/* /tmp/* /var/tmp/* /root/.cache /root/.npm /var/cache/ldconfig/aux-cache
find /var/log -type f -exec truncate -s 0 {} +
rm -f /usr/sbin/policy-rc.d
# Regular files (never symlinks to the build host's resolver) that the runtime replaces
# per sandbox with bind mounts; a bind mount needs an existing file as its target.
rm -f /etc/resolv.conf /etc/hosts /etc/hostname
printf '# Written by the SoulBox runtime when a sandbox starts.\\n' > /etc/resolv.conf
cat > /etc/hosts <<'HOSTS'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
HOSTS
printf 'soulbox\\n' > /etc/hostname
chmod 0644 /etc/resolv.conf /etc/hosts /etc/hostname
# An empty machine-id means "not initialised"; a real one would be shared by every sandbox.
if [ -e /etc/machine-id ]; then : > /etc/machine-id; fi
# Mount points: envd and its node runtime (read-only) and the envd socket directory.
mkdir -p /.soulbox /run/soulbox
chmod 0755 /.soulbox /run/soulbox
`;
