import { SoulBoxError } from '../errors/index.js';
import type { QosClass } from '../store/index.js';

/** What one sandbox holds of the node. */
export interface Allocation {
  cpuCount: number;
  memoryMiB: number;
  qos: QosClass;
}

/** Node capacity and how far burstable sandboxes may overcommit it. */
export interface AdmissionOptions {
  /** Physical capacity: cores and MiB of memory available to sandboxes. */
  capacity: { cpuCount: number; memoryMiB: number };
  /** Burstable sandboxes may allocate up to capacity × overcommit (idle sandboxes use little). */
  overcommit: { cpu: number; memory: number };
}

/** Usage figures for metrics and errors. */
export interface AdmissionLevels {
  allocatedCpu: number;
  allocatedMemoryMiB: number;
  guaranteedCpu: number;
  guaranteedMemoryMiB: number;
  capacityCpu: number;
  capacityMemoryMiB: number;
  limitCpu: number;
  limitMemoryMiB: number;
}

/**
 * Admission control: the node tracks the CPU and memory its sandboxes were promised, and
 * refuses a create that does not fit ("node full") instead of degrading everyone.
 * Guaranteed sandboxes must fit in the physical capacity (no overcommit); all sandboxes
 * together must fit in capacity × overcommit. Synchronous, so concurrent creates cannot
 * both take the last slot.
 */
export interface Admission {
  /** Reserves for `id` or throws NODE_FULL naming the resource. Re-reserving replaces. */
  reserve(id: string, a: Allocation): void;
  /** Whether `a` would fit now. */
  fits(a: Allocation): boolean;
  release(id: string): void;
  levels(): AdmissionLevels;
}

/** Creates the admission controller. */
export function createAdmission(o: AdmissionOptions): Admission {
  const held = new Map<string, Allocation>();
  const totals = () => {
    let cpu = 0;
    let mem = 0;
    let gCpu = 0;
    let gMem = 0;
    for (const a of held.values()) {
      cpu += a.cpuCount;
      mem += a.memoryMiB;
      if (a.qos === 'guaranteed') {
        gCpu += a.cpuCount;
        gMem += a.memoryMiB;
      }
    }
    return { cpu, mem, gCpu, gMem };
  };
  const limitCpu = o.capacity.cpuCount * o.overcommit.cpu;
  const limitMem = o.capacity.memoryMiB * o.overcommit.memory;
  const refusal = (a: Allocation, except?: string): string | undefined => {
    const prev = except ? held.get(except) : undefined;
    const t = totals();
    const cpu = t.cpu - (prev?.cpuCount ?? 0) + a.cpuCount;
    const mem = t.mem - (prev?.memoryMiB ?? 0) + a.memoryMiB;
    if (a.qos === 'guaranteed') {
      const gCpu = t.gCpu - (prev?.qos === 'guaranteed' ? prev.cpuCount : 0) + a.cpuCount;
      const gMem = t.gMem - (prev?.qos === 'guaranteed' ? prev.memoryMiB : 0) + a.memoryMiB;
      if (gCpu > o.capacity.cpuCount) return `guaranteed vCPUs (${gCpu} of ${o.capacity.cpuCount})`;
      if (gMem > o.capacity.memoryMiB) return `guaranteed memory (${gMem} of ${o.capacity.memoryMiB} MiB)`;
    }
    if (cpu > limitCpu) return `vCPUs (${cpu} of ${limitCpu} allocatable)`;
    if (mem > limitMem) return `memory (${mem} of ${Math.floor(limitMem)} MiB allocatable)`;
    return undefined;
  };
  return {
    reserve(id, a) {
      const why = refusal(a, id);
      if (why) throw new SoulBoxError('NODE_FULL', `node full: not enough ${why}`);
      held.set(id, a);
    },
    fits: (a) => refusal(a) === undefined,
    release(id) {
      held.delete(id);
    },
    levels() {
      const t = totals();
      return {
        allocatedCpu: t.cpu,
        allocatedMemoryMiB: t.mem,
        guaranteedCpu: t.gCpu,
        guaranteedMemoryMiB: t.gMem,
        capacityCpu: o.capacity.cpuCount,
        capacityMemoryMiB: o.capacity.memoryMiB,
        limitCpu,
        limitMemoryMiB: limitMem,
      };
    },
  };
}
