import fs from 'node:fs';
import { run } from '../util/exec.js';
import type { Logger } from '../util/logger.js';
import type { Subnet } from './subnet.js';

/** Host-side networking all sandboxes share: the bridge, forwarding and the nftables table. */
export interface HostNetworkOptions {
  bridge: string;
  subnet: Subnet;
  logger: Logger;
}

function ruleset(o: HostNetworkOptions): string {
  const br = o.bridge;
  // One table per bridge (named after it), replaced whole at start-up so rules never pile up.
  const NFT_TABLE = br;
  const net = o.subnet.cidr;
  // NAT for egress, no access from sandboxes to host services, no sandbox-to-sandbox routing.
  // At layer 2 the sandboxes' bridge ports are isolated (see sandbox-network.ts).
  return `
table inet ${NFT_TABLE}
delete table inet ${NFT_TABLE}
table inet ${NFT_TABLE} {
  map egress {
    type ipv4_addr : verdict
  }
  chain input {
    type filter hook input priority filter - 1; policy accept;
    iifname "${br}" ct state established,related accept
    iifname "${br}" meta l4proto icmp accept
    iifname "${br}" drop
  }
  chain forward {
    type filter hook forward priority filter - 1; policy accept;
    iifname "${br}" oifname "${br}" drop
    oifname "${br}" ct state established,related accept
    oifname "${br}" drop
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
  await run('ip', ['link', 'set', o.bridge, 'up']);
  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  await run('nft', ['-f', '-'], { input: ruleset(o) });
  o.logger.debug('host network ready', { bridge: o.bridge, subnet: o.subnet.cidr });
}
