import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import {
  conn,
  createSdkSandbox,
  killQuietly,
  rejection,
  SDKS,
  type Sdk,
  type SdkSandbox,
  sleep,
  uniqueTag,
  waitFor,
  withSandbox,
} from '../helpers/sdk.js';

/** Ids that look real but never existed (E2B ids are `[a-z0-9]+`). */
const UNKNOWN_ID = 'zzzzzzzzzzzzzzzzzzzz';

/** Every sandbox of one listing, page by page. */
async function listAll(
  sdk: Sdk,
  t: TestServer,
  query: { metadata?: Record<string, string>; state?: ('running' | 'paused')[] },
  limit?: number,
) {
  const paginator = sdk.Sandbox.list({ ...conn(t), query, limit });
  const pages: { sandboxId: string; state: string; startedAt: Date }[][] = [];
  while (paginator.hasNext) pages.push(await paginator.nextItems());
  return pages;
}

describe('SDK lifecycle', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  for (const { version, sdk } of SDKS) {
    describe(`e2b ${version}`, () => {
      it('creates a sandbox: metadata round-trips, envs reach commands, timeout sets endAt', async () => {
        const metadata = { purpose: 'sdk-test', note: 'a b & c=d/é' };
        const timeoutMs = 120_000;
        await withSandbox(
          sdk,
          t,
          { metadata, envs: { SOULBOX_GREETING: 'hello world' }, timeoutMs },
          async (sbx) => {
            const created = Date.now();
            assert.match(sbx.sandboxId, /^[a-z0-9]+$/);
            const info = await sbx.getInfo();
            assert.equal(info.sandboxId, sbx.sandboxId);
            assert.equal(info.templateId, 'base');
            assert.equal(info.state, 'running');
            assert.deepEqual(info.metadata, metadata);
            assert.ok(info.startedAt.getTime() <= Date.now(), 'startedAt is in the past');
            const drift = info.endAt.getTime() - (created + timeoutMs);
            assert.ok(Math.abs(drift) < 15_000, `endAt is about now + timeout (off by ${drift} ms)`);
            const r = await sbx.commands.run('echo "$SOULBOX_GREETING"');
            assert.equal(r.stdout, 'hello world\n');
            assert.equal(await sbx.isRunning(), true);
          },
        );
      });

      it('lists sandboxes with state and metadata filters, pages with limit, drops killed ones at once', async () => {
        const group = `run ${uniqueTag()} & more`;
        const created: SdkSandbox[] = [];
        try {
          for (let i = 0; i < 3; i++) {
            created.push(await createSdkSandbox(sdk, t, { metadata: { group, index: String(i) } }));
          }
          const [oldest, middle, newest] = created as [SdkSandbox, SdkSandbox, SdkSandbox];
          assert.equal(await middle.pause(), true);

          const all = (await listAll(sdk, t, { metadata: { group } })).flat();
          assert.deepEqual(
            all.map((s) => s.sandboxId),
            [newest.sandboxId, middle.sandboxId, oldest.sandboxId],
            'no state filter: running and paused, newest first',
          );
          assert.equal(all.find((s) => s.sandboxId === middle.sandboxId)?.state, 'paused');

          const running = (await listAll(sdk, t, { metadata: { group }, state: ['running'] })).flat();
          assert.deepEqual(
            running.map((s) => s.sandboxId).sort(),
            [oldest.sandboxId, newest.sandboxId].sort(),
          );
          assert.ok(running.every((s) => s.state === 'running'));
          const paused = (await listAll(sdk, t, { metadata: { group }, state: ['paused'] })).flat();
          assert.deepEqual(
            paused.map((s) => s.sandboxId),
            [middle.sandboxId],
          );

          const other = (await listAll(sdk, t, { metadata: { group: `${group}x` } })).flat();
          assert.deepEqual(other, [], 'the metadata filter matches exactly');

          const pages = await listAll(sdk, t, { metadata: { group } }, 1);
          assert.deepEqual(
            pages.map((p) => p.length),
            [1, 1, 1],
            'limit=1 gives three pages of one, then hasNext is false',
          );
          assert.deepEqual(
            pages.flat().map((s) => s.sandboxId),
            all.map((s) => s.sandboxId),
          );

          assert.equal(await newest.kill(), true);
          const afterKill = (await listAll(sdk, t, { metadata: { group } })).flat();
          assert.deepEqual(
            afterKill.map((s) => s.sandboxId),
            [middle.sandboxId, oldest.sandboxId],
            'the killed sandbox is gone from the list at once',
          );
        } finally {
          await Promise.all(created.map((s) => killQuietly(sdk, t, s.sandboxId)));
        }
      });

      it('getInfo and kill: kill returns true, then false; the sandbox is not found afterwards', async () => {
        const sbx = await createSdkSandbox(sdk, t);
        try {
          const info = await sdk.Sandbox.getInfo(sbx.sandboxId, conn(t));
          assert.equal(info.sandboxId, sbx.sandboxId);
          assert.equal(info.state, 'running');
          assert.ok(info.cpuCount >= 1);
          assert.ok(info.memoryMB >= 64);
          assert.match(info.envdVersion, /^\d+\.\d+\.\d+$/);
        } finally {
          assert.equal(await sbx.kill(), true);
        }
        assert.equal(await sdk.Sandbox.kill(sbx.sandboxId, conn(t)), false, 'second kill finds nothing');
        assert.equal(await sdk.Sandbox.kill(UNKNOWN_ID, conn(t)), false);
        assert.equal(await sbx.isRunning(), false);
        const err = await rejection(sdk.Sandbox.getInfo(sbx.sandboxId, conn(t)));
        assert.ok(err instanceof sdk.SandboxNotFoundError, `${err.name}: ${err.message}`);
      });

      it('setTimeout shortens the life: the sandbox dies at the new end', async () => {
        const sbx = await createSdkSandbox(sdk, t, { timeoutMs: 300_000 });
        try {
          await sbx.setTimeout(5_000);
          const set = Date.now();
          const info = await sbx.getInfo();
          const drift = info.endAt.getTime() - (set + 5_000);
          assert.ok(Math.abs(drift) < 3_000, `endAt moved to about now + 5 s (off by ${drift} ms)`);
          assert.equal(await sbx.isRunning(), true, 'still running before the new end');
          await sleep(Math.max(0, set + 7_000 - Date.now()));
          await waitFor('the sandbox to stop', async () => ((await sbx.isRunning()) ? undefined : true), {
            timeoutMs: 5_000,
          });
          const err = await rejection(sdk.Sandbox.getInfo(sbx.sandboxId, conn(t)));
          assert.ok(err instanceof sdk.SandboxNotFoundError, `${err.name}: ${err.message}`);
        } finally {
          await killQuietly(sdk, t, sbx.sandboxId);
        }
      });

      it('connect reaches a running sandbox, extends but never shortens its timeout', async () => {
        await withSandbox(sdk, t, { timeoutMs: 600_000 }, async (sbx) => {
          const endBefore = (await sbx.getInfo()).endAt.getTime();
          const again = await sdk.Sandbox.connect(sbx.sandboxId, { ...conn(t), timeoutMs: 10_000 });
          assert.equal(again.sandboxId, sbx.sandboxId);
          assert.equal((await again.commands.run('echo connected')).stdout, 'connected\n');
          const endAfterShort = (await sbx.getInfo()).endAt.getTime();
          assert.ok(endAfterShort >= endBefore - 1_000, 'connect with a shorter timeout keeps the end');

          await sdk.Sandbox.connect(sbx.sandboxId, { ...conn(t), timeoutMs: 1_200_000 });
          const endAfterLong = (await sbx.getInfo()).endAt.getTime();
          assert.ok(endAfterLong > endBefore + 300_000, 'connect with a longer timeout extends the end');
        });
      });

      it('pause and resume through connect keep files and running processes', async () => {
        await withSandbox(sdk, t, {}, async (sbx) => {
          await sbx.files.write('/home/user/before-pause.txt', 'kept across pause');
          const bg = await sbx.commands.run('sleep 600', { background: true });
          assert.ok(bg.pid > 0);

          assert.equal(await sbx.pause(), true);
          assert.equal((await sbx.getInfo()).state, 'paused');
          assert.equal(await sbx.isRunning(), false, 'the data plane does not answer for a paused sandbox');
          assert.equal(
            await sdk.Sandbox.pause(sbx.sandboxId, conn(t)),
            false,
            'pausing again says "already paused"',
          );

          const resumed = await sdk.Sandbox.connect(sbx.sandboxId, conn(t));
          assert.equal(resumed.sandboxId, sbx.sandboxId);
          assert.equal((await resumed.getInfo()).state, 'running');
          assert.equal(await resumed.files.read('/home/user/before-pause.txt'), 'kept across pause');
          const procs = await resumed.commands.list();
          assert.ok(
            procs.some((p) => p.pid === bg.pid),
            `the background process ${bg.pid} survives: ${JSON.stringify(procs)}`,
          );
          const alive = await resumed.commands.run(`kill -0 ${bg.pid} && echo alive`);
          assert.equal(alive.stdout, 'alive\n');
          assert.equal(await resumed.commands.kill(bg.pid), true);
        });
      });

      it('getMetrics returns samples', async () => {
        await withSandbox(sdk, t, {}, async (sbx) => {
          const samples = await waitFor(
            'a metrics sample',
            async () => {
              const m = await sbx.getMetrics();
              return m.length > 0 ? m : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 1_000 },
          );
          const s = samples[0]!;
          assert.ok(s.timestamp instanceof Date && !Number.isNaN(s.timestamp.getTime()));
          assert.ok(s.cpuCount >= 1, `cpuCount ${s.cpuCount}`);
          assert.ok(s.cpuUsedPct >= 0, `cpuUsedPct ${s.cpuUsedPct}`);
          assert.ok(s.memTotal > 0, `memTotal ${s.memTotal}`);
          assert.ok(s.memUsed > 0 && s.memUsed <= s.memTotal, `memUsed ${s.memUsed} of ${s.memTotal}`);
          assert.ok(s.diskTotal > 0, `diskTotal ${s.diskTotal}`);
          const old = await sbx.getMetrics({
            start: new Date(Date.now() - 3_600_000),
            end: new Date(Date.now() - 3_000_000),
          });
          assert.deepEqual(old, [], 'a window before the sandbox existed is empty');
        });
      });
    });
  }
});
