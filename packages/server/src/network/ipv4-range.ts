/** IPv4 addresses and CIDRs as integer ranges (what the egress checks compare). */

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/([0-9]|[12]\d|3[0-2]))?$/;

/** An inclusive range of IPv4 addresses as unsigned integers. */
export interface Ipv4Range {
  first: number;
  last: number;
}

/** Whether `s` is an IPv4 address or `a.b.c.d/p` CIDR. */
export function isIpv4Cidr(s: string): boolean {
  return IPV4_CIDR.test(s);
}

/** The addresses `a.b.c.d` or `a.b.c.d/p` covers (host bits are ignored, as nftables does). */
export function ipv4Range(cidr: string): Ipv4Range {
  if (!isIpv4Cidr(cidr)) throw new TypeError(`'${cidr}' is not an IPv4 address or CIDR`);
  const [ip, p] = cidr.split('/');
  const prefix = p === undefined ? 32 : Number(p);
  const value = (ip ?? '').split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  const first = value - (value % size);
  return { first, last: first + size - 1 };
}

/** Whether every address of `inner` is in one of `outer` (ranges may touch or overlap). */
export function coveredBy(inner: Ipv4Range, outer: readonly Ipv4Range[]): boolean {
  let next = inner.first;
  const sorted = [...outer].sort((a, b) => a.first - b.first);
  for (const r of sorted) {
    if (r.first > next) break;
    if (r.last >= next) next = r.last + 1;
    if (next > inner.last) return true;
  }
  return false;
}

/** Whether the two ranges share an address. */
export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}
