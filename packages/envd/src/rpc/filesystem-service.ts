import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import type { Filesystem, FilesystemEventSchema } from '@soulbox/proto';
import type { EnvdError } from '../errors/envd-error.js';
import type { EntryContext } from '../filesystem/file-entry.js';
import { makeDir, movePath, removePath, statPath } from '../filesystem/fs-ops.js';
import { listDir } from '../filesystem/list-dir.js';
import type { PollingWatchers } from '../filesystem/polling-watchers.js';
import { type FsWatchEvent, openWatch } from '../filesystem/watch-session.js';
import type { Logger } from '../log/logger.js';
import { resolveUserPath } from '../paths/resolve-path.js';
import type { SandboxState } from '../state/sandbox-state.js';
import { EventQueue } from '../stream/event-queue.js';
import type { SandboxUser, UserDb } from '../users/user-db.js';
import { toEntryInfo, toEventType } from './entry-info.js';
import { keepaliveIntervalMs, requestUser } from './request-context.js';
import { streamHandler, throwIfDeadline, unaryHandler } from './rpc-errors.js';

export interface FilesystemServiceDeps {
  readonly entries: EntryContext;
  readonly users: UserDb;
  readonly state: SandboxState;
  readonly watchers: PollingWatchers;
  readonly logger: Logger;
}

type FilesystemEventInit = MessageInitShape<typeof FilesystemEventSchema>;
type WatchItem = { readonly type: 'event'; readonly event: FsWatchEvent } | { readonly type: 'keepalive' };

function toFilesystemEvent(event: FsWatchEvent): FilesystemEventInit {
  return {
    name: event.name,
    type: toEventType(event.type),
    entry: event.entry ? toEntryInfo(event.entry) : undefined,
  };
}

/** `filesystem.Filesystem`: thin handlers over the filesystem area. */
export function createFilesystemService(deps: FilesystemServiceDeps): ServiceImpl<typeof Filesystem> {
  const { entries, users, state, watchers, logger } = deps;

  /** The request's user and `path` resolved for that user (see resolve-path.ts). */
  const resolve = (context: HandlerContext, path: string): { user: SandboxUser; path: string } => {
    const user = requestUser(context, users, state);
    return { user, path: resolveUserPath(path, user, state.defaultWorkdir) };
  };

  return {
    stat: unaryHandler(logger, 'filesystem.Filesystem/Stat', async (request, context) => {
      const { path } = resolve(context, request.path);
      return { entry: toEntryInfo(await statPath(entries, path)) };
    }),

    makeDir: unaryHandler(logger, 'filesystem.Filesystem/MakeDir', async (request, context) => {
      const { user, path } = resolve(context, request.path);
      return { entry: toEntryInfo(await makeDir(entries, path, user)) };
    }),

    move: unaryHandler(logger, 'filesystem.Filesystem/Move', async (request, context) => {
      const { user, path: source } = resolve(context, request.source);
      const destination = resolveUserPath(request.destination, user, state.defaultWorkdir);
      return { entry: toEntryInfo(await movePath(entries, source, destination, user)) };
    }),

    listDir: unaryHandler(logger, 'filesystem.Filesystem/ListDir', async (request, context) => {
      const { path } = resolve(context, request.path);
      const list = await listDir(entries, path, request.depth);
      return { entries: list.map(toEntryInfo) };
    }),

    remove: unaryHandler(logger, 'filesystem.Filesystem/Remove', async (request, context) => {
      const { path } = resolve(context, request.path);
      await removePath(path);
      return {};
    }),

    watchDir: streamHandler(logger, 'filesystem.Filesystem/WatchDir', async function* (request, context) {
      const { path } = resolve(context, request.path);
      const queue = new EventQueue<WatchItem | { readonly type: 'error'; readonly error: EnvdError }>({
        signal: context.signal,
        keepaliveMs: keepaliveIntervalMs(context),
        keepalive: () => ({ type: 'keepalive' }),
      });
      const watcher = await openWatch(
        entries,
        {
          path,
          recursive: request.recursive,
          includeEntry: request.includeEntry,
          allowNetworkMounts: request.allowNetworkMounts,
        },
        (event) => queue.push({ type: 'event', event }),
        (error) => {
          queue.push({ type: 'error', error });
          queue.end();
        },
      );
      try {
        yield { event: { case: 'start', value: {} } };
        for await (const item of queue) {
          if (item.type === 'error') throw item.error;
          if (item.type === 'keepalive') yield { event: { case: 'keepalive', value: {} } };
          else yield { event: { case: 'filesystem', value: toFilesystemEvent(item.event) } };
        }
        throwIfDeadline(context);
      } finally {
        watcher.close();
        queue.close();
      }
    }),

    createWatcher: unaryHandler(logger, 'filesystem.Filesystem/CreateWatcher', async (request, context) => {
      const { path } = resolve(context, request.path);
      const watcherId = await watchers.create({
        path,
        recursive: request.recursive,
        includeEntry: request.includeEntry,
        allowNetworkMounts: request.allowNetworkMounts,
      });
      return { watcherId };
    }),

    getWatcherEvents: unaryHandler(logger, 'filesystem.Filesystem/GetWatcherEvents', async (request) => ({
      events: watchers.takeEvents(request.watcherId).map(toFilesystemEvent),
    })),

    removeWatcher: unaryHandler(logger, 'filesystem.Filesystem/RemoveWatcher', async (request) => {
      watchers.remove(request.watcherId);
      return {};
    }),
  };
}
