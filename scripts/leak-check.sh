#!/usr/bin/env bash
# Fails when SoulBox objects outlive the tests: runc containers, overlay mounts under a
# SoulBox data dir, idmapped template views (each sandbox's lower layer, a build's capture
# view), or SoulBox network namespaces (named sb-*).
set -uo pipefail
left=0
if command -v runc >/dev/null; then
  c=$(runc list -q 2>/dev/null | grep -c '^soulbox-' || true)
  if ((c)); then echo "leak: $c runc container(s): $(runc list -q | grep '^soulbox-' | tr '\n' ' ')" >&2; left=1; fi
fi
m=$(grep -c ' overlay .*soulbox' /proc/mounts || true)
if ((m)); then echo "leak: $m overlay mount(s) of SoulBox" >&2; grep ' overlay .*soulbox' /proc/mounts >&2; left=1; fi
# mountinfo: field 5 is the mount point, field 6 the per-mount options ("ro,nosuid,...,idmapped").
v=$(awk '$5 ~ /soulbox/ && $6 ~ /(^|,)idmapped(,|$)/' /proc/self/mountinfo)
if [[ -n $v ]]; then echo "leak: $(wc -l <<<"$v") idmapped template view(s) of SoulBox" >&2; awk '{print $5}' <<<"$v" >&2; left=1; fi
n=$(ip netns list 2>/dev/null | grep -c '^sb-' || true)
if ((n)); then echo "leak: $n network namespace(s): $(ip netns list | grep '^sb-' | cut -d' ' -f1 | tr '\n' ' ')" >&2; left=1; fi
exit $left
