import fs from 'node:fs';

/** Ids in one sandbox's range: container ids 0..65535. */
export const UID_RANGE_SIZE = 65_536;

/** A span of host ids, [start, start + count). */
export interface IdSpan {
  start: number;
  count: number;
}

/** Options for {@link createUidRangePool}. */
export interface UidRangePoolOptions {
  /** First host id of the pool. */
  base: number;
  /** Ranges in the pool. */
  count: number;
  /** Files in subuid(5) format whose entries no range may touch (/etc/subuid, /etc/subgid). */
  reservedFiles: readonly string[];
}

/** Hands out 65536-id host ranges, one per live sandbox. Holds no state: the caller says what is in use. */
export interface UidRangePool {
  /**
   * The first host id of the lowest free range, or null when every range is taken or reserved.
   * `inUse`: first ids of ranges held by live sandboxes (any alignment: a range from an
   * earlier configuration still blocks whatever it overlaps).
   */
  pick(inUse: Iterable<number>): number | null;
}

/**
 * Parses subuid(5)/subgid(5) text: `name:start:count` per line. Comments, blank lines and
 * malformed lines are skipped (shadow's own tools ignore them too).
 */
export function parseSubidFile(text: string): IdSpan[] {
  const spans: IdSpan[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, start, count] = line.split(':');
    if (!start || !count || !/^\d+$/.test(start) || !/^\d+$/.test(count)) continue;
    spans.push({ start: Number(start), count: Number(count) });
  }
  return spans;
}

function readReserved(file: string): IdSpan[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    // No file = nothing delegated. Any other failure must not be read as "no entries".
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseSubidFile(text);
}

/**
 * Creates the pool. The reserved files are read on every pick (a few hundred bytes), so an
 * entry `useradd` adds while the server runs keeps new sandboxes out of it.
 */
export function createUidRangePool(o: UidRangePoolOptions): UidRangePool {
  return {
    pick(inUse) {
      const blocked: IdSpan[] = o.reservedFiles.flatMap(readReserved);
      for (const start of inUse) blocked.push({ start, count: UID_RANGE_SIZE });
      blocked.sort((a, b) => a.start - b.start);
      // Walk candidates and blocked spans together, both in ascending order.
      let j = 0;
      for (let i = 0; i < o.count; i++) {
        const lo = o.base + i * UID_RANGE_SIZE;
        const hi = lo + UID_RANGE_SIZE;
        // Spans ending at or before this candidate can block no later one either.
        while (j < blocked.length && blocked[j]!.start + blocked[j]!.count <= lo) j++;
        let free = true;
        for (let k = j; k < blocked.length && blocked[k]!.start < hi; k++) {
          const b = blocked[k]!;
          if (b.count > 0 && b.start + b.count > lo) {
            free = false;
            break;
          }
        }
        if (free) return lo;
      }
      return null;
    },
  };
}
