import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminCall, createTenant, issueKey } from '../helpers/admin.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { conn, SDKS, type Sdk } from '../helpers/sdk.js';

const sdk: Sdk = SDKS[0]!.sdk;

interface UsageWire {
  rows: {
    tenantId: string;
    cpuSeconds: number;
    memoryMiBSeconds: number;
    sandboxSeconds: number;
    sandboxes: number;
  }[];
}

async function usage(t: TestServer, tenant: string) {
  const r = await adminCall<UsageWire>(
    t,
    'GET',
    `/admin/usage?tenant=${tenant}&granularity=total&since=2020-01-01T00:00:00Z`,
  );
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (
    r.body.rows[0] ?? {
      tenantId: tenant,
      cpuSeconds: 0,
      memoryMiBSeconds: 0,
      sandboxSeconds: 0,
      sandboxes: 0,
    }
  );
}

/** Keeps one CPU busy inside the sandbox for about `seconds`. */
const burn = (seconds: number) => `timeout ${seconds} sh -c 'while :; do :; done' || true`;

describe('governance: usage metering', () => {
  it('meters CPU, memory and running time from the cgroup, and survives a server restart', async () => {
    let t = await startTestServer({ metering: { sampleIntervalMs: 500 }, sandbox: { defaultCpuCount: 1 } });
    let sandboxId: string | undefined;
    try {
      const tenant = await createTenant(t, 'gov-meter');
      const key = (await issueKey(t, tenant, 'developer')).key;
      const sbx = await sdk.Sandbox.create({ ...conn(t), apiKey: key, timeoutMs: 600_000 });
      sandboxId = sbx.sandboxId;
      await sbx.commands.run(burn(2), { timeoutMs: 30_000 });
      const before = await usage(t, tenant);
      // What the cgroup itself counted (the host may be busy: the burn gets what it gets).
      const cgroupCpuS = t.server.runtime.stats(sandboxId).cpuUsageUs / 1e6;
      assert.ok(before.cpuSeconds >= 0.5, `cpu ${before.cpuSeconds}`);
      assert.ok(
        before.cpuSeconds <= cgroupCpuS + 0.01,
        `metered ${before.cpuSeconds} > cgroup ${cgroupCpuS}`,
      );
      assert.ok(before.cpuSeconds >= cgroupCpuS - 0.5, `metered ${before.cpuSeconds} ≪ cgroup ${cgroupCpuS}`);
      assert.ok(before.sandboxSeconds >= 2, `running ${before.sandboxSeconds}`);
      assert.ok(before.memoryMiBSeconds > 0);
      assert.equal(before.sandboxes, 1);

      // Restart: the sandbox keeps running and is adopted; nothing metered is lost.
      await t.server.close({ killSandboxes: false });
      const downAt = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
      t = await startTestServer({ metering: { sampleIntervalMs: 500 }, sandbox: { defaultCpuCount: 1 } });
      const afterRestart = await usage(t, tenant);
      assert.ok(afterRestart.cpuSeconds >= before.cpuSeconds, 'usage is durable');
      assert.ok(
        afterRestart.sandboxSeconds >= before.sandboxSeconds + (Date.now() - downAt) / 1000 - 1,
        `the time the server was down counts as running time: ${before.sandboxSeconds} → ${afterRestart.sandboxSeconds}`,
      );

      const again = await sdk.Sandbox.connect(sandboxId, { ...conn(t), apiKey: key });
      await again.commands.run(burn(2), { timeoutMs: 30_000 });
      const cgroupTotalS = t.server.runtime.stats(sandboxId).cpuUsageUs / 1e6;
      await again.kill();
      sandboxId = undefined;
      const final = await usage(t, tenant);
      assert.ok(
        final.cpuSeconds >= before.cpuSeconds + 0.5,
        `cpu ${before.cpuSeconds} → ${final.cpuSeconds}`,
      );
      // Across the restart, every CPU second the cgroup counted since the create is billed once.
      assert.ok(
        Math.abs(final.cpuSeconds - (cgroupTotalS - (cgroupCpuS - before.cpuSeconds))) < 0.3,
        `metered ${final.cpuSeconds}, cgroup ${cgroupTotalS} (offset ${cgroupCpuS - before.cpuSeconds})`,
      );
      // Killed: nothing accrues any more.
      await new Promise((r) => setTimeout(r, 1200));
      const later = await usage(t, tenant);
      assert.equal(later.sandboxSeconds, final.sandboxSeconds);

      const csv = await adminCall<string>(
        t,
        'GET',
        `/admin/usage?tenant=${tenant}&format=csv&granularity=hour&since=2020-01-01T00:00:00Z`,
      );
      assert.match(
        csv.body,
        new RegExp(
          `^tenantId,periodStart,periodEnd,cpuSeconds,memoryMiBSeconds,sandboxSeconds,sandboxes\\r\\n${tenant},`,
        ),
      );
    } finally {
      if (sandboxId) await adminCall(t, 'DELETE', `/sandboxes/${sandboxId}`);
      await t.close();
    }
  });
});
