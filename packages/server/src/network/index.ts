export {
  applyEgressPolicy,
  type EgressPolicy,
  hasEgressRules,
  removeEgressPolicy,
  validateEgressPolicy,
} from './egress-policy.js';
export { type HostNetworkOptions, setupHostNetwork } from './host-network.js';
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
