/** An IPv4 subnet in which index 1 is the bridge (gateway) and 2..size-2 are sandboxes. */
export interface Subnet {
  cidr: string;
  prefix: number;
  /** First address of the subnet as an integer. */
  base: number;
  /** Number of addresses. */
  size: number;
  gateway: string;
  /** Lowest and highest index a sandbox may take. */
  minIndex: number;
  maxIndex: number;
  /** Address of index `i`. */
  addressOf(i: number): string;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parses `a.b.c.d/p`. */
export function parseSubnet(cidr: string): Subnet {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  const base = toInt(ip ?? '') - (toInt(ip ?? '') % size);
  const addressOf = (i: number) => toIp(base + i);
  return {
    cidr: `${toIp(base)}/${prefix}`,
    prefix,
    base,
    size,
    gateway: addressOf(1),
    minIndex: 2,
    maxIndex: size - 2,
    addressOf,
  };
}
