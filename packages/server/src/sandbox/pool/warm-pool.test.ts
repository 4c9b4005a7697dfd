import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../util/logger.js';
import { createWarmPool, type WarmPoolConfig } from './warm-pool.js';

const config = (min: number, max: number): WarmPoolConfig => ({
  enabled: true,
  templates: { base: { min, max } },
  refillConcurrency: 2,
  minFreeMemoryMiB: 1000,
  demandWindowS: 60,
});

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function fakes() {
  let n = 0;
  const live = new Set<string>();
  let busy = false;
  let memory = 10_000;
  return {
    live,
    setBusy: (b: boolean) => {
      busy = b;
    },
    setMemory: (m: number) => {
      memory = m;
    },
    options: {
      launch: async () => {
        const id = `sb${n++}`;
        live.add(id);
        return id;
      },
      discard: async (id: string) => {
        live.delete(id);
      },
      userCreatesInFlight: () => busy,
      memAvailableMiB: () => memory,
      logger: silentLogger,
      tickMs: 20,
    },
  };
}

describe('warm pool', () => {
  it('fills to min, serves hits, counts misses and refills', async () => {
    const f = fakes();
    const pool = createWarmPool({ config: config(2, 4), ...f.options });
    pool.start();
    try {
      await until(() => pool.levels()[0]?.ready === 2);
      const key = { templateId: 'base', networkMode: 'bridge' as const };
      assert.ok(pool.take(key));
      assert.ok(pool.take(key));
      assert.equal(pool.take(key), undefined);
      assert.equal(pool.hits, 2);
      assert.equal(pool.misses, 1);
      assert.equal(
        pool.take({ templateId: 'other', networkMode: 'bridge' }),
        undefined,
        'unpooled templates miss',
      );
      await until(() => pool.levels()[0]?.ready === 2);
    } finally {
      pool.close();
    }
  });

  it('grows with demand up to max', async () => {
    const f = fakes();
    const pool = createWarmPool({ config: config(1, 3), ...f.options });
    pool.start();
    try {
      const key = { templateId: 'base', networkMode: 'bridge' as const };
      for (let i = 0; i < 40; i++) pool.take(key);
      await until(() => pool.levels()[0]?.target === 3);
      await until(() => pool.levels()[0]?.ready === 3);
    } finally {
      pool.close();
    }
  });

  it('empties under memory pressure and refills when memory is back', async () => {
    const f = fakes();
    const pool = createWarmPool({ config: config(3, 3), ...f.options });
    pool.start();
    try {
      await until(() => f.live.size === 3);
      f.setMemory(500);
      await until(() => f.live.size === 0 && pool.levels()[0]?.ready === 0);
      f.setMemory(10_000);
      await until(() => f.live.size === 3);
    } finally {
      pool.close();
    }
  });

  it('does not refill while user creates start cold', async () => {
    const f = fakes();
    f.setBusy(true);
    const pool = createWarmPool({ config: config(2, 2), ...f.options });
    pool.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(f.live.size, 0);
      f.setBusy(false);
      await until(() => f.live.size === 2);
    } finally {
      pool.close();
    }
  });
});
