import fs from 'node:fs';
import { run } from '../util/exec.js';
import type { Logger } from '../util/logger.js';
import { type EgressGuardOptions, egressGuardRules } from './egress-guard.js';
import type { Subnet } from './subnet.js';

/** Host-side networking all sandboxes share: the bridge, forwarding and the nftables table. */
export interface HostNetworkOptions {
  bridge: string;
  subnet: Subnet;
  /** What the default egress denial lets through: the operator's allow list and the DNS servers. */
  egress: EgressGuardOptions;
  logger: Logger;
}

/** The bridge's nftables table. Exported for tests, which inspect it. */
export function hostRuleset(o: Pick<HostNetworkOptions, 'bridge' | 'subnet' | 'egress'>): string {
  const br = o.bridge;
  // One table per bridge (named after it), replaced whole at start-up so rules never pile up.
  const NFT_TABLE = br;
  const net = o.subnet.cidr;
  // NAT for egress, no access from sandboxes to host services, no sandbox-to-sandbox routing,
  // the default egress denial (egress-guard.ts), then each sandbox's own rules.
  // At layer 2 the sandboxes' bridge ports are isolated (see sandbox-network.ts).
  // Sandboxes get no IPv6: the bridge has it switched off and nothing IPv6 from it is
  // forwarded or delivered, so no IPv6 packet of a sandbox leaves the bridge.
  // The input hook sees every packet addressed to the host, whichever of its addresses (now
  // or later, any family): from the bridge only replies and pings of the gateway pass.
  return `
table inet ${NFT_TABLE}
delete table inet ${NFT_TABLE}
table inet ${NFT_TABLE} {
  map egress {
    type ipv4_addr : verdict
  }
  ${egressGuardRules(o.egress).split('\n').join('\n  ')}
  chain input {
    type filter hook input priority filter - 1; policy accept;
    iifname "${br}" ct state established,related accept
    iifname "${br}" ip daddr ${o.subnet.gateway} icmp type echo-request accept
    iifname "${br}" drop
  }
  chain forward {
    type filter hook forward priority filter - 1; policy accept;
    iifname "${br}" oifname "${br}" drop
    oifname "${br}" ct state established,related accept
    oifname "${br}" drop
    iifname "${br}" meta nfproto != ipv4 drop
    iifname "${br}" jump egress_guard
    iifname "${br}" ip saddr vmap @egress
    iifname "${br}" accept
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${net} oifname != "${br}" masquerade
  }
}
`;
}

/** Creates (or re-checks) the bridge, enables forwarding and installs the nftables rules. Idempotent. */
export async function setupHostNetwork(o: HostNetworkOptions): Promise<void> {
  const exists = fs.existsSync(`/sys/class/net/${o.bridge}`);
  if (!exists) {
    await run('ip', ['link', 'add', o.bridge, 'type', 'bridge']);
  }
  await run('ip', ['addr', 'replace', `${o.subnet.gateway}/${o.subnet.prefix}`, 'dev', o.bridge]);
  // No IPv6 address (not even link-local) on the bridge: the host offers sandboxes no IPv6.
  const noV6 = `/proc/sys/net/ipv6/conf/${o.bridge}/disable_ipv6`;
  if (fs.existsSync(noV6)) fs.writeFileSync(noV6, '1');
  await run('ip', ['link', 'set', o.bridge, 'up']);
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  await run('nft', ['-f', '-'], { input: hostRuleset(o) });
  o.logger.debug('host network ready', {
    bridge: o.bridge,
    subnet: o.subnet.cidr,
    egressAllow: o.egress.allow,
    resolvers: o.egress.resolvers,
  });
}
