#!/usr/bin/env bash
# One-time, idempotent set-up for `npm start`, `npm test` and `npm run bench` on a fresh
# Debian/Ubuntu machine: system packages, npm dependencies, the build. Safe to run every time;
# each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1msoulbox setup:\033[0m %s\n' "$*" >&2; }

# System packages SoulBox drives: the OCI runtime, template building, networking, disk quotas.
# Each entry is "command:package".
# Also a C toolchain and python3 for the native addons (node-gyp and envd's own), openssl for the
# mTLS tests, findmnt and setpriv (util-linux) for storage and template builds.
need=(runc:runc debootstrap:debootstrap nft:nftables ip:iproute2 mkfs.btrfs:btrfs-progs mkfs.xfs:xfsprogs
  xfs_quota:xfsprogs tmux:tmux gcc:gcc g++:g++ make:make python3:python3 openssl:openssl findmnt:util-linux
  setpriv:util-linux)
missing=()
for entry in "${need[@]}"; do
  cmd=${entry%%:*}; pkg=${entry#*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && [[ ! " ${missing[*]} " =~ " $pkg " ]]; then missing+=("$pkg"); fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing system packages: ${missing[*]} (run as root, or install them with apt-get)"; exit 1
  fi
  log "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: `npm ci` when node_modules is missing or older than the lockfile.
stamp=node_modules/.soulbox-ci-stamp
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# Build: TypeScript project references, the envd bundle, the server's native helper.
log "building"
npx tsc -b
node packages/envd/scripts/bundle.mjs
node packages/server/scripts/build-native.mjs
