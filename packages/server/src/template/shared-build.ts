/**
 * One build that several callers wait for. Each caller may bring its own AbortSignal; a
 * caller that aborts stops waiting at once, and the build itself is cancelled only when
 * the last caller that could abort has done so and no caller without a signal waits.
 */
export interface SharedBuild<T> {
  join(signal?: AbortSignal): Promise<T>;
}

/**
 * Starts `run` now. `onCancel` runs when the build is being cancelled, before it has
 * torn down, so that the owner stops handing it to new callers.
 */
export function startSharedBuild<T>(
  run: (signal: AbortSignal) => Promise<T>,
  onCancel: () => void,
): SharedBuild<T> {
  const controller = new AbortController();
  const promise = run(controller.signal);
  // Every caller may have left; the build's own rejection must not go unhandled.
  promise.catch(() => undefined);
  let abortableWaiters = 0;
  let pinned = false;

  return {
    join(signal) {
      if (!signal) {
        pinned = true;
        return promise;
      }
      signal.throwIfAborted();
      abortableWaiters += 1;
      return new Promise<T>((resolve, reject) => {
        let left = false;
        const onAbort = (): void => {
          left = true;
          abortableWaiters -= 1;
          if (abortableWaiters > 0 || pinned) {
            reject(signal.reason);
            return;
          }
          onCancel();
          controller.abort(signal.reason);
          // The last caller hears back once the build has torn down (tools killed, build
          // dir deleted, lock released), so that "rejected" means "nothing of it is left".
          promise.then(
            () => reject(signal.reason),
            () => reject(signal.reason),
          );
        };
        signal.addEventListener('abort', onAbort, { once: true });
        promise.then(
          (value) => {
            signal.removeEventListener('abort', onAbort);
            if (!left) resolve(value);
          },
          (err: unknown) => {
            signal.removeEventListener('abort', onAbort);
            if (!left) reject(err);
          },
        );
      });
    },
  };
}
