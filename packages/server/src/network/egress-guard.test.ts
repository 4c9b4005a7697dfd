import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { configSchema } from '../config/index.js';
import { DEFAULT_DENIED_IPV4, ipv4Nameservers, isReachableAllowEntry } from './egress-guard.js';
import { validateEgressPolicy } from './egress-policy.js';
import { hostRuleset } from './host-network.js';
import { coveredBy, ipv4Range } from './ipv4-range.js';
import { parseSubnet } from './subnet.js';

describe('IPv4 ranges', () => {
  it('turns addresses and CIDRs into ranges, ignoring host bits', () => {
    assert.deepEqual(ipv4Range('10.0.0.0/8'), { first: 0x0a000000, last: 0x0affffff });
    assert.deepEqual(ipv4Range('169.254.169.254'), { first: 0xa9fea9fe, last: 0xa9fea9fe });
    assert.deepEqual(ipv4Range('192.168.7.9/16'), ipv4Range('192.168.0.0/16'));
    assert.deepEqual(ipv4Range('0.0.0.0/0'), { first: 0, last: 2 ** 32 - 1 });
    assert.throws(() => ipv4Range('10.0.0.0/33'), /not an IPv4 address/);
    assert.throws(() => ipv4Range('example.com'), /not an IPv4 address/);
  });

  it('knows when a range is covered by several that touch', () => {
    const parts = [ipv4Range('10.0.0.0/9'), ipv4Range('10.128.0.0/9')];
    assert.ok(coveredBy(ipv4Range('10.0.0.0/8'), parts));
    assert.ok(!coveredBy(ipv4Range('10.0.0.0/7'), parts));
    assert.ok(!coveredBy(ipv4Range('9.255.255.255'), parts));
  });
});

describe('the default egress denial', () => {
  it('covers metadata, RFC 1918, CGNAT, loopback and "this network"', () => {
    const denied = DEFAULT_DENIED_IPV4.map((d) => ipv4Range(d.cidr));
    for (const addr of [
      '169.254.169.254',
      '100.100.100.200',
      '168.63.129.16',
      '10.1.2.3',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '127.0.0.1',
      '0.0.0.0',
      '224.0.0.251',
      '255.255.255.255',
    ])
      assert.ok(coveredBy(ipv4Range(addr), denied), addr);
    // The internet, and the benchmarking range the network tests use as "outside".
    for (const addr of ['1.1.1.1', '8.8.8.8', '198.18.0.2', '172.32.0.1', '100.128.0.1'])
      assert.ok(!coveredBy(ipv4Range(addr), denied), addr);
  });

  it('refuses allowOut entries that could never take effect, unless the operator reopened them', () => {
    assert.equal(isReachableAllowEntry('169.254.169.254', []), false);
    assert.equal(isReachableAllowEntry('10.0.0.0/8', []), false);
    assert.equal(isReachableAllowEntry('192.168.1.0/24', ['192.168.1.7']), true);
    assert.equal(isReachableAllowEntry('169.254.169.254/32', ['169.254.169.254/32']), true);
    // Partly public: the public part is reachable, the rest stays denied by the guard.
    assert.equal(isReachableAllowEntry('0.0.0.0/0', []), true);
    assert.equal(isReachableAllowEntry('8.8.8.8', []), true);

    assert.throws(
      () => validateEgressPolicy({ allowOut: ['169.254.169.254'], denyOut: ['0.0.0.0/0'] }),
      /network\.allowOut: '169\.254\.169\.254' is a metadata, private or reserved address.*network\.egressAllow/,
    );
    assert.deepEqual(validateEgressPolicy({ allowOut: ['10.9.0.0/16'], denyOut: [] }, ['10.9.1.0/24']), {
      allowOut: ['10.9.0.0/16'],
      denyOut: [],
    });
    // Denying a private range is harmless, and accepted.
    assert.doesNotThrow(() => validateEgressPolicy({ allowOut: [], denyOut: ['10.0.0.0/8'] }));
  });

  it('runs before the sandbox rules in the forward chain, and no IPv6 passes', () => {
    const rules = hostRuleset({
      bridge: 'sbx0',
      subnet: parseSubnet('10.77.0.0/16'),
      egress: { allow: ['169.254.169.254/32'], resolvers: ['10.255.255.53'] },
    });
    const forward = rules.slice(rules.indexOf('chain forward'));
    const lines = forward.split('\n').map((l) => l.trim());
    const guard = lines.indexOf('iifname "sbx0" jump egress_guard');
    const perSandbox = lines.indexOf('iifname "sbx0" ip saddr vmap @egress');
    assert.ok(guard > 0 && perSandbox > guard, 'the guard comes before the per-sandbox verdict map');
    assert.ok(lines.indexOf('iifname "sbx0" meta nfproto != ipv4 drop') < guard);
    assert.match(rules, /set egress_denied \{[^}]*elements = \{ [^}]*169\.254\.0\.0\/16/);
    assert.match(rules, /set egress_reopened \{[^}]*elements = \{ 169\.254\.169\.254\/32 \}/);
    assert.match(rules, /ip daddr @egress_resolvers meta l4proto \{ tcp, udp \} th dport 53 return/);
    // Input: the host's addresses answer nothing but replies and pings of the gateway.
    assert.match(
      rules,
      /iifname "sbx0" ip daddr 10\.77\.0\.1 icmp type echo-request accept\n\s+iifname "sbx0" drop/,
    );
    assert.doesNotMatch(rules, /meta l4proto icmp accept/);
  });

  it('is a ruleset nft accepts (checked, not applied)', (t) => {
    const text = hostRuleset({
      bridge: 'sbxcheck0',
      subnet: parseSubnet('10.77.0.0/16'),
      egress: { allow: ['10.0.0.0/8', '10.1.0.0/16'], resolvers: ['10.255.255.53', '10.255.255.53'] },
    });
    const r = spawnSync('nft', ['-c', '-f', '-'], { input: text, encoding: 'utf8' });
    if (r.error || (r.status !== 0 && /Operation not permitted|not found/i.test(r.stderr))) {
      t.skip(`nft cannot check here (${r.error?.message ?? r.stderr.trim()})`);
      return;
    }
    assert.equal(r.status, 0, r.stderr);
  });

  it('takes the sandboxes IPv4 nameservers from resolv.conf', () => {
    assert.deepEqual(
      ipv4Nameservers('# x\nnameserver 10.255.255.53\nnameserver fd00::1\n nameserver 1.1.1.1\nsearch lan\n'),
      ['10.255.255.53', '1.1.1.1'],
    );
  });

  it('accepts only IPv4 addresses and CIDRs in network.egressAllow', () => {
    assert.deepEqual(configSchema.parse({}).network.egressAllow, []);
    assert.deepEqual(
      configSchema.parse({ network: { egressAllow: ['169.254.169.254/32'] } }).network.egressAllow,
      ['169.254.169.254/32'],
    );
    assert.throws(
      () => configSchema.parse({ network: { egressAllow: ['metadata.internal'] } }),
      /must be an IPv4 address or CIDR/,
    );
  });
});
