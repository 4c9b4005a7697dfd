import fs from 'node:fs';
import { run } from '../util/exec.js';
import type { Subnet } from './subnet.js';

/** Name of a sandbox's network namespace (under /run/netns). */
export function netnsName(sandboxId: string): string {
  return `sb-${sandboxId}`;
}

/**
 * Host-side veth name (interface names are limited to 15 bytes). Derived from the random
 * sandbox id, not the subnet index, so two servers with different bridges never collide.
 */
export function vethName(sandboxId: string): string {
  return `sbv${sandboxId.slice(0, 12)}`;
}

/** Path runc joins. */
export function netnsPath(sandboxId: string): string {
  return `/run/netns/${netnsName(sandboxId)}`;
}

/** What a sandbox's network needs. */
export interface SandboxNetworkSpec {
  sandboxId: string;
  /** null = loopback only. */
  bridged: { bridge: string; subnet: Subnet; index: number } | null;
}

// One shell per sandbox runs every step, so creation costs one spawn. The arguments are
// validated names and addresses passed as positional parameters, never spliced into the script.
const CREATE = `set -e
ns=$1; mode=$2
ip netns add "$ns"
ip -n "$ns" link set lo up
# Unprivileged users inside may bind low ports and use ICMP echo sockets, as on a normal host.
ip netns exec "$ns" sh -c 'echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start; echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range'
if [ "$mode" = bridge ]; then
  veth=$3; br=$4; addr=$5; gw=$6
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  # Isolated bridge ports reach the bridge (the gateway) but never each other.
  ip link set "$veth" master "$br"
  ip link set "$veth" type bridge_slave isolated on
  ip link set "$veth" up
  ip -n "$ns" addr add "$addr" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$gw"
fi
`;

/** Creates the sandbox's netns (and veth pair on the bridge). On failure, removes what it made. */
export async function createSandboxNetwork(spec: SandboxNetworkSpec): Promise<void> {
  const ns = netnsName(spec.sandboxId);
  const args = spec.bridged
    ? [
        'bridge',
        vethName(spec.sandboxId),
        spec.bridged.bridge,
        `${spec.bridged.subnet.addressOf(spec.bridged.index)}/${spec.bridged.subnet.prefix}`,
        spec.bridged.subnet.gateway,
      ]
    : ['none'];
  try {
    await run('sh', ['-c', CREATE, 'create-netns', ns, ...args]);
  } catch (err) {
    await destroySandboxNetwork(spec.sandboxId);
    throw err;
  }
}

/** Removes the netns and the host veth. Safe to call when they do not exist. */
export async function destroySandboxNetwork(sandboxId: string): Promise<void> {
  const ns = netnsName(sandboxId);
  if (fs.existsSync(`/sys/class/net/${vethName(sandboxId)}`)) {
    await run('ip', ['link', 'del', vethName(sandboxId)], { allowFailure: true });
  }
  if (fs.existsSync(`/run/netns/${ns}`)) {
    await run('ip', ['netns', 'del', ns], { allowFailure: true });
  }
}

/** Names of SoulBox netns that exist on the host. */
export function listSandboxNetns(): string[] {
  try {
    return fs.readdirSync('/run/netns').filter((n) => n.startsWith('sb-'));
  } catch {
    return [];
  }
}
