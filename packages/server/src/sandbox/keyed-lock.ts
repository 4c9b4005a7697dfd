/** Serialises async work per key (one sandbox's lifecycle operations run one at a time). */
export interface KeyedLock {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Whether work for the key is queued or running. */
  busy(key: string): boolean;
}

/** Creates a {@link KeyedLock}. */
export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, fn) {
      const prev = tails.get(key) ?? Promise.resolve();
      const next = prev.then(fn, fn);
      const tail = next.catch(() => {});
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
    busy(key) {
      return tails.has(key);
    },
  };
}
