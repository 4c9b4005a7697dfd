import { SoulBoxError } from '../errors/index.js';
import { run } from '../util/exec.js';
import { isReachableAllowEntry } from './egress-guard.js';
import { isIpv4Cidr } from './ipv4-range.js';

/**
 * Outbound rules of one sandbox (E2B's `network.allowOut` / `denyOut`); allow wins over deny.
 * Both apply only to destinations the egress guard lets through (egress-guard.ts).
 */
export interface EgressPolicy {
  allowOut: string[];
  denyOut: string[];
}

/**
 * Checks rule entries: IPv4 addresses and CIDRs. Domain rules need a DNS- or SNI-aware proxy,
 * which SoulBox does not have yet, so they are refused rather than silently ignored; so is an
 * allowOut entry wholly inside the ranges denied by default that `reopened` (the operator's
 * `network.egressAllow`) does not touch, since it could never take effect.
 */
export function validateEgressPolicy(p: EgressPolicy, reopened: readonly string[] = []): EgressPolicy {
  for (const [field, list] of [
    ['network.allowOut', p.allowOut],
    ['network.denyOut', p.denyOut],
  ] as const) {
    if (list.length > 256) throw new SoulBoxError('INVALID_ARGUMENT', `${field}: at most 256 entries`);
    for (const e of list) {
      if (!isIpv4Cidr(e)) {
        throw new SoulBoxError(
          'INVALID_ARGUMENT',
          `${field}: '${e}' is not an IPv4 address or CIDR (domain rules are not supported)`,
        );
      }
    }
  }
  for (const e of p.allowOut) {
    if (!isReachableAllowEntry(e, reopened))
      throw new SoulBoxError(
        'INVALID_ARGUMENT',
        `network.allowOut: '${e}' is a metadata, private or reserved address, which sandboxes never reach unless the operator allows it (setting network.egressAllow)`,
      );
  }
  return p;
}

/** Whether the policy changes anything (an empty policy needs no rules). */
export function hasEgressRules(p: EgressPolicy | null | undefined): p is EgressPolicy {
  return !!p && (p.allowOut.length > 0 || p.denyOut.length > 0);
}

const chainOf = (sandboxId: string) => `sb_${sandboxId}`;

/**
 * Installs a sandbox's policy: a chain of its own in the bridge's nftables table, jumped to
 * from the forward chain through the `egress` verdict map keyed by the sandbox's address, so
 * the cost per packet does not grow with the number of sandboxes.
 */
export async function applyEgressPolicy(
  table: string,
  sandboxId: string,
  address: string,
  p: EgressPolicy,
): Promise<void> {
  const chain = chainOf(sandboxId);
  const lines = [`add chain inet ${table} ${chain}`, `flush chain inet ${table} ${chain}`];
  if (p.allowOut.length)
    lines.push(`add rule inet ${table} ${chain} ip daddr { ${p.allowOut.join(', ')} } accept`);
  if (p.denyOut.length)
    lines.push(`add rule inet ${table} ${chain} ip daddr { ${p.denyOut.join(', ')} } drop`);
  lines.push(`add element inet ${table} egress { ${address} : jump ${chain} }`);
  await run('nft', ['-f', '-'], { input: `${lines.join('\n')}\n` });
}

/** Removes a sandbox's policy; no error when it has none. */
export async function removeEgressPolicy(table: string, sandboxId: string, address: string): Promise<void> {
  await run('nft', ['delete', 'element', 'inet', table, 'egress', `{ ${address} }`], { allowFailure: true });
  await run('nft', ['delete', 'chain', 'inet', table, chainOf(sandboxId)], { allowFailure: true });
}
