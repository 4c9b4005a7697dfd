import { randomBytes } from 'node:crypto';
import { EnvdError } from '../errors/envd-error.js';
import type { DirWatcher } from './dir-watcher.js';
import type { EntryContext } from './file-entry.js';
import { type FsWatchEvent, openWatch, type WatchRequest } from './watch-session.js';

/**
 * Watchers for clients that poll (CreateWatcher / GetWatcherEvents / RemoveWatcher, used by
 * the Python sync SDK): events accumulate until fetched. A watcher that broke keeps its
 * error and reports it on the next fetch.
 */
export interface PollingWatchers {
  create(request: WatchRequest): Promise<string>;
  /** Returns and clears the pending events. @throws EnvdError NOT_FOUND, or the watcher's error */
  takeEvents(id: string): FsWatchEvent[];
  /** @throws EnvdError NOT_FOUND */
  remove(id: string): void;
  closeAll(): void;
}

interface PollingWatcher {
  readonly watcher: DirWatcher;
  events: FsWatchEvent[];
  error?: EnvdError;
}

/** Cap on buffered events per watcher, so an abandoned watcher cannot grow without bound. */
const MAX_PENDING_EVENTS = 100_000;

export function createPollingWatchers(ctx: EntryContext): PollingWatchers {
  const watchers = new Map<string, PollingWatcher>();

  const get = (id: string): PollingWatcher => {
    const w = watchers.get(id);
    if (!w) throw new EnvdError('NOT_FOUND', `watcher with id ${id} not found`);
    return w;
  };

  return {
    async create(request) {
      // Upstream ids are "w" + a random id; clients treat them as opaque.
      const id = `w${randomBytes(10).toString('hex')}`;
      const state: { target?: PollingWatcher } = {};
      const watcher = await openWatch(
        ctx,
        request,
        (event) => {
          const w = state.target;
          if (!w || w.error) return;
          if (w.events.length >= MAX_PENDING_EVENTS) {
            w.error = new EnvdError(
              'RESOURCE_EXHAUSTED',
              `watcher ${id} has more than ${MAX_PENDING_EVENTS} unread events`,
            );
            return;
          }
          w.events.push(event);
        },
        (error) => {
          if (state.target) state.target.error ??= error;
        },
      );
      state.target = { watcher, events: [] };
      watchers.set(id, state.target);
      return id;
    },
    takeEvents(id) {
      const w = get(id);
      if (w.error) throw w.error;
      const events = w.events;
      w.events = [];
      return events;
    },
    remove(id) {
      get(id).watcher.close();
      watchers.delete(id);
    },
    closeAll() {
      for (const w of watchers.values()) w.watcher.close();
      watchers.clear();
    },
  };
}
