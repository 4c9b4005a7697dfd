import { hasEgressRules } from '../network/index.js';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import type { SandboxRecord, Store } from '../store/index.js';
import type { Logger } from '../util/logger.js';

/**
 * Brings the store and the host back in line after a restart or crash:
 * - a live record whose container runs (or is paused) is adopted, in the container's state
 *   (keeping its uid range, which the store holds);
 * - a live record without a working container is marked killed and its leftovers removed;
 * - containers and sandbox dirs of this data dir that no live record owns are removed.
 * A uid range whose sandbox could not be removed is passed to `holdUidRange`, so that no new
 * sandbox shares it with whatever is left. Returns the adopted records.
 */
export async function reconcileSandboxes(o: {
  store: Store;
  runtime: SandboxRuntime;
  logger: Logger;
  holdUidRange: (uidBase: number) => void;
}): Promise<SandboxRecord[]> {
  const log = o.logger;
  const containers = new Map((await o.runtime.listContainers()).map((c) => [c.sandboxId, c.status]));
  const live = o.store.listSandboxes({ states: ['starting', 'pooled', 'running', 'paused'] });
  const adopted: SandboxRecord[] = [];
  const keep = new Set<string>();
  for (const rec of live) {
    const status = containers.get(rec.id);
    if (rec.state !== 'starting' && (status === 'running' || status === 'paused')) {
      const state = rec.state === 'pooled' ? 'pooled' : status === 'paused' ? 'paused' : 'running';
      if (state !== rec.state) o.store.updateSandbox(rec.id, { state });
      if (rec.netIndex !== null && hasEgressRules(rec.egress)) {
        await o.runtime.applyEgress(rec.id, rec.netIndex, rec.egress);
      }
      adopted.push({ ...rec, state });
      keep.add(rec.id);
      continue;
    }
    log.warn('sandbox lost while the server was down; cleaning up', {
      sandboxId: rec.id,
      container: status ?? 'none',
    });
    o.store.updateSandbox(rec.id, { state: 'killed', killedAt: new Date().toISOString() });
    await o.runtime
      .destroy(rec.id, { diskProjectId: rec.diskProjectId, netIndex: rec.netIndex, egress: true })
      .catch((err) => {
        log.error('cleanup failed', { sandboxId: rec.id, err });
        if (rec.uidBase !== null) o.holdUidRange(rec.uidBase);
      });
  }
  const orphans = new Set([...containers.keys(), ...o.runtime.listDirs()].filter((id) => !keep.has(id)));
  for (const id of orphans) {
    const rec = o.store.getSandbox(id);
    log.warn('removing orphaned sandbox resources', { sandboxId: id });
    await o.runtime
      .destroy(id, {
        diskProjectId: rec?.diskProjectId ?? null,
        netIndex: rec?.netIndex ?? null,
        egress: true,
      })
      .catch((err) => {
        log.error('cleanup failed', { sandboxId: id, err });
        if (rec?.uidBase != null) o.holdUidRange(rec.uidBase);
      });
  }
  if (adopted.length) log.info('adopted running sandboxes', { count: adopted.length });
  return adopted;
}
