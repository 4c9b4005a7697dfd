import { stat, statfs } from 'node:fs/promises';
import { EnvdError, errnoCode, fromSystemError } from '../errors/envd-error.js';
import { type DirWatcher, type RawWatchEvent, startDirWatcher } from './dir-watcher.js';
import { type EntryContext, type FileEntry, getFileEntry } from './file-entry.js';
import type { FsEventType } from './inotify-events.js';

// statfs f_type magic numbers of network (and FUSE) filesystems, from linux/magic.h.
const NETWORK_FS_TYPES = new Set([0x6969, 0xff534d42, 0x517b, 0xfe534d42, 0x65735546]);

export interface WatchRequest {
  /** Absolute, already resolved path. */
  readonly path: string;
  readonly recursive: boolean;
  /** Attach the entry to create/write/chmod events. */
  readonly includeEntry: boolean;
  readonly allowNetworkMounts: boolean;
}

/** A filesystem event as WatchDir and GetWatcherEvents report it. */
export interface FsWatchEvent {
  readonly name: string;
  readonly type: FsEventType;
  readonly entry?: FileEntry | undefined;
}

async function checkWatchable(request: WatchRequest): Promise<void> {
  const { path } = request;
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT')
      throw new EnvdError('NOT_FOUND', `path ${path} not found`, { cause: error });
    throw fromSystemError(error, `error statting path ${path}`);
  }
  if (!isDir) throw new EnvdError('INVALID_ARGUMENT', `path ${path} not a directory`);
  if (request.allowNetworkMounts) return;
  const fs = await statfs(path).catch((error: unknown) => {
    throw fromSystemError(error, 'error checking mount status');
  });
  if (NETWORK_FS_TYPES.has(fs.type)) {
    throw new EnvdError('INVALID_ARGUMENT', `cannot watch path on network filesystem: ${path}`);
  }
}

const ENTRY_TYPES: ReadonlySet<FsEventType> = new Set(['create', 'write', 'chmod']);

/**
 * Validates and starts a watch. Events are delivered in order; when entries are requested
 * they are looked up one event at a time so a slow lstat cannot reorder events.
 * @throws EnvdError NOT_FOUND (missing path), INVALID_ARGUMENT (not a directory, network mount)
 */
export async function openWatch(
  ctx: EntryContext,
  request: WatchRequest,
  onEvent: (event: FsWatchEvent) => void,
  onError: (error: EnvdError) => void,
): Promise<DirWatcher> {
  await checkWatchable(request);
  let chain = Promise.resolve();
  const deliver = (raw: RawWatchEvent): void => {
    if (!request.includeEntry || !ENTRY_TYPES.has(raw.type)) {
      chain = chain.then(() => onEvent({ name: raw.name, type: raw.type }));
      return;
    }
    chain = chain.then(async () => {
      // Gone again by the time we look: report the event without an entry.
      const entry = await getFileEntry(ctx, raw.path).catch(() => undefined);
      onEvent({ name: raw.name, type: raw.type, entry });
    });
  };
  return startDirWatcher({
    native: ctx.native,
    root: request.path,
    recursive: request.recursive,
    onEvent: deliver,
    onError,
  });
}
