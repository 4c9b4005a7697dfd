import { coveredBy, type Ipv4Range, ipv4Range, isIpv4Cidr, overlaps } from './ipv4-range.js';

/**
 * Destinations no bridged sandbox reaches unless the operator reopens them
 * (`network.egressAllow`), whatever its own `allowOut` says: cloud metadata, private and
 * carrier-grade NAT networks (where the host's neighbours and the provider's services live),
 * loopback, multicast and reserved space. The host's own addresses are not listed: every
 * packet to any of them goes through the input hook, which drops all but replies and pings
 * of the gateway (see host-network.ts), so that holds for addresses the host gains later too.
 */
export const DEFAULT_DENIED_IPV4: readonly { cidr: string; why: string }[] = Object.freeze([
  { cidr: '0.0.0.0/8', why: '"this network" (RFC 791)' },
  { cidr: '10.0.0.0/8', why: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', why: 'carrier-grade NAT (RFC 6598); Alibaba Cloud metadata is 100.100.100.200' },
  { cidr: '127.0.0.0/8', why: 'loopback' },
  { cidr: '168.63.129.16/32', why: "Azure's WireServer (platform DNS, VM agent, certificates)" },
  {
    cidr: '169.254.0.0/16',
    why: 'link-local: cloud metadata at 169.254.169.254 (AWS, GCP, Azure, OCI, ...)',
  },
  { cidr: '172.16.0.0/12', why: 'private (RFC 1918)' },
  { cidr: '192.168.0.0/16', why: 'private (RFC 1918)' },
  { cidr: '224.0.0.0/4', why: 'multicast' },
  { cidr: '240.0.0.0/4', why: 'reserved, and the limited broadcast address 255.255.255.255' },
]);

const DENIED_RANGES: readonly Ipv4Range[] = DEFAULT_DENIED_IPV4.map((d) => ipv4Range(d.cidr));

/** Options of {@link egressGuardRules}. */
export interface EgressGuardOptions {
  /** IPv4 addresses/CIDRs the operator reopens (`network.egressAllow`). */
  allow: readonly string[];
  /** The sandboxes' DNS servers (IPv4): reachable on port 53 even inside a denied range. */
  resolvers: readonly string[];
}

function set(name: string, elements: readonly string[]): string {
  const unique = [...new Set(elements)];
  // An empty `elements = { }` is a syntax error; interval sets need auto-merge to accept
  // overlapping entries (an operator may list 10.0.0.0/8 and 10.1.0.0/16).
  const body = unique.length ? ` elements = { ${unique.join(', ')} };` : '';
  return `set ${name} { type ipv4_addr; flags interval; auto-merge;${body} }`;
}

/**
 * The sets and the `egress_guard` chain of the bridge's nftables table. The forward chain
 * jumps here for every packet from a sandbox before the sandbox's own allowOut/denyOut
 * chain, so a sandbox cannot reopen a denied range; a destination the operator reopened
 * returns and meets the sandbox's own rules like any internet address. Three set lookups
 * per packet, whatever the number of sandboxes.
 */
export function egressGuardRules(o: EgressGuardOptions): string {
  return [
    set(
      'egress_denied',
      DEFAULT_DENIED_IPV4.map((d) => d.cidr),
    ),
    set('egress_reopened', o.allow),
    set('egress_resolvers', o.resolvers),
    'chain egress_guard {',
    '  ip daddr @egress_resolvers meta l4proto { tcp, udp } th dport 53 return',
    '  ip daddr @egress_reopened return',
    '  ip daddr @egress_denied drop',
    '}',
  ].join('\n');
}

/**
 * Whether an allowOut entry can have any effect: not when every address of it is denied by
 * default and none is reopened by the operator. Such an entry is refused with a clear error
 * instead of being accepted and silently ignored.
 */
export function isReachableAllowEntry(cidr: string, reopened: readonly string[]): boolean {
  const r = ipv4Range(cidr);
  if (!coveredBy(r, DENIED_RANGES)) return true;
  return reopened.some((o) => overlaps(r, ipv4Range(o)));
}

/** IPv4 nameservers of a resolv.conf text (IPv6 ones are useless: sandboxes have no IPv6). */
export function ipv4Nameservers(resolvConf: string): string[] {
  return [...resolvConf.matchAll(/^\s*nameserver\s+(\S+)/gm)]
    .map((m) => m[1] ?? '')
    .filter((s) => !s.includes('/') && isIpv4Cidr(s));
}
