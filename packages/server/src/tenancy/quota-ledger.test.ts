import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSoulBoxError } from '../errors/index.js';
import type { TenantQuotas } from '../store/index.js';
import { createQuotaLedger } from './quota-ledger.js';

const share = { cpuCount: 2, memoryMiB: 512, diskMiB: 1024, timeoutS: 60 };

function limitOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(isSoulBoxError(err, 'QUOTA_EXCEEDED'), String(err));
    return String(err.details?.limit);
  }
  return undefined;
}

describe('quota ledger', () => {
  it('admits up to each limit and names the one that stops a create', () => {
    let quotas: TenantQuotas = { maxSandboxes: 3, maxVcpus: 5 };
    const live = new Set<string>();
    const ledger = createQuotaLedger({ quotasOf: () => quotas, isLive: (id) => live.has(id) });
    const a = ledger.reserve('t', share);
    const b = ledger.reserve('t', share);
    assert.equal(
      limitOf(() => ledger.reserve('t', share)),
      'maxVcpus',
    );
    assert.deepEqual(ledger.allocated('t'), { sandboxes: 2, vcpus: 4, memoryMiB: 1024, diskMiB: 2048 });
    assert.equal(
      limitOf(() => ledger.reserve('other', share)),
      undefined,
      'tenants are independent',
    );
    live.add('s1');
    a.commit('s1');
    b.release();
    assert.deepEqual(ledger.allocated('t'), { sandboxes: 1, vcpus: 2, memoryMiB: 512, diskMiB: 1024 });
    b.release(); // idempotent
    ledger.release('s1');
    assert.equal(ledger.allocated('t').sandboxes, 0);
    quotas = { maxMemoryMiB: 1000, maxDiskMiB: 100_000, maxLifetimeS: 30 };
    assert.equal(
      limitOf(() => ledger.reserve('t', share)),
      'maxLifetimeS',
    );
    ledger.reserve('t', { ...share, timeoutS: 30 });
    assert.equal(
      limitOf(() => ledger.reserve('t', { ...share, timeoutS: 30 })),
      'maxMemoryMiB',
    );
  });

  it('no interleaving of concurrent creates passes a limit', async () => {
    const ledger = createQuotaLedger({ quotasOf: () => ({ maxSandboxes: 4 }), isLive: () => true });
    let n = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 3));
        const hold = ledger.reserve('t', share);
        await new Promise((r) => setTimeout(r, 5));
        hold.commit(`s${++n}`);
      }),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 4);
    assert.equal(ledger.allocated('t').sandboxes, 4);
  });

  it('a commit after the sandbox is gone leaves nothing behind', () => {
    const ledger = createQuotaLedger({ quotasOf: () => ({}), isLive: () => false });
    ledger.reserve('t', share).commit('gone');
    assert.equal(ledger.allocated('t').sandboxes, 0);
  });

  it('limits creates per rolling minute, with a retry-after', () => {
    let now = 1_000_000;
    const ledger = createQuotaLedger({
      quotasOf: () => ({ createsPerMinute: 2 }),
      isLive: () => true,
      now: () => now,
    });
    ledger.reserve('t', share).release();
    now += 20_000;
    ledger.reserve('t', share).release();
    try {
      ledger.reserve('t', share);
      assert.fail('admitted a third create');
    } catch (err) {
      assert.ok(isSoulBoxError(err, 'QUOTA_EXCEEDED'));
      assert.equal(err.details?.limit, 'createsPerMinute');
      assert.equal(err.details?.retryAfterS, 40);
      assert.match(err.message, /createsPerMinute is 2/);
    }
    now += 40_001;
    ledger.reserve('t', share);
  });
});
