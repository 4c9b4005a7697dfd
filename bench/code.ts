import { Sandbox } from '@e2b/code-interpreter';
import { startTestServer, type TestServer } from '../packages/server/test/helpers/harness.js';
import type { Report } from './report.js';
import { measure } from './stats.js';

const TEMPLATE = 'code-interpreter-v1';

async function until(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Sandbox.create, then the first runCode('1+1'): `first` is the runCode alone, `total` both. */
async function createThenRun(t: TestServer): Promise<{ first: number; total: number }> {
  const t0 = performance.now();
  const sbx = await Sandbox.create(t.sdk);
  const t1 = performance.now();
  try {
    const r = await sbx.runCode('1+1');
    if (r.text !== '2') throw new Error(`runCode('1+1') gave ${JSON.stringify(r.toJSON())}`);
    const now = performance.now();
    return { first: now - t1, total: now - t0 };
  } finally {
    await sbx.kill();
  }
}

/**
 * The code interpreter (`@e2b/code-interpreter` on `code-interpreter-v1`): the first
 * runCode after a cold create (kernel start included), the same from the warm pool, and
 * runCode('1+1') on a warm context.
 */
export async function codeBenchmarks(report: Report, n: number): Promise<void> {
  const cold = await startTestServer({ pool: { enabled: false } });
  try {
    await cold.server.templates.ensure(TEMPLATE);
    const firsts: number[] = [];
    const totals: number[] = [];
    await createThenRun(cold); // warm the page cache and the envd runtime copy
    for (let i = 0; i < Math.min(n, 20); i++) {
      const { first, total } = await createThenRun(cold);
      firsts.push(first);
      totals.push(total);
    }
    report.record(
      "code: first runCode('1+1') after Sandbox.create (cold, kernel start included)",
      firsts,
      'p50 ≤ 1500 ms',
    );
    report.record('code: Sandbox.create + first runCode (cold)', totals);

    const sbx = await Sandbox.create(cold.sdk);
    try {
      await sbx.runCode('1+1');
      await sbx.runCode('1+1', { language: 'js' });
      report.record(
        "code: runCode('1+1') python, warm context",
        await measure(n * 3, async () => {
          if ((await sbx.runCode('1+1')).text !== '2') throw new Error('wrong answer');
        }),
        'p50 ≤ 20 ms',
      );
      report.record(
        "code: runCode('1+1') javascript, warm context",
        await measure(n * 3, async () => {
          if ((await sbx.runCode('1+1', { language: 'js' })).text !== '2') throw new Error('wrong answer');
        }),
      );
      report.record(
        'code: runCode matplotlib plot → png, warm context',
        await measure(Math.min(n, 10), async () => {
          const r = await sbx.runCode('import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()');
          if (!r.results[0]?.png) throw new Error('no png');
        }),
      );
    } finally {
      await sbx.kill();
    }
  } finally {
    await cold.close();
  }

  // Pooled sandboxes boot envd and their kernels while they wait, so a create takes a
  // sandbox whose python kernel is already up.
  const size = 2;
  const warm = await startTestServer({ pool: { templates: { [TEMPLATE]: { min: size, max: size } } } });
  try {
    const ready = () =>
      warm.server.sandboxes.pool.levels().find((l) => l.templateId === TEMPLATE)?.ready ?? 0;
    const totals: number[] = [];
    for (let i = 0; i < Math.min(n, 10); i++) {
      if (!(await until(() => ready() >= size, 120_000)))
        throw new Error('the code-interpreter pool did not fill');
      // Ready means envd answers; give the pooled kernels time to come up too.
      await new Promise((r) => setTimeout(r, 2000));
      totals.push((await createThenRun(warm)).total);
    }
    report.record('code: Sandbox.create + first runCode (warm pool)', totals);
  } finally {
    await warm.close();
  }
}
