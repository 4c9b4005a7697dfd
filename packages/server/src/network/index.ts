export {
  DEFAULT_DENIED_IPV4,
  type EgressGuardOptions,
  egressGuardRules,
  ipv4Nameservers,
  isReachableAllowEntry,
} from './egress-guard.js';
export {
  applyEgressPolicy,
  type EgressPolicy,
  hasEgressRules,
  removeEgressPolicy,
  validateEgressPolicy,
} from './egress-policy.js';
export { type HostNetworkOptions, hostRuleset, setupHostNetwork } from './host-network.js';
export { coveredBy, type Ipv4Range, ipv4Range, isIpv4Cidr, overlaps } from './ipv4-range.js';
export {
  createSandboxNetwork,
  destroySandboxNetwork,
  listSandboxNetns,
  netnsName,
  netnsPath,
  type SandboxNetworkSpec,
  vethName,
} from './sandbox-network.js';
export { parseSubnet, type Subnet } from './subnet.js';
