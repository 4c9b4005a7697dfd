import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { EnvdError, errnoCode } from '../errors/envd-error.js';
import type { EnvdNative, InotifyEvent, InotifyHandle } from '../native/envd-native.js';
import { eventTypes, type FsEventType, IN, WATCH_MASK } from './inotify-events.js';

/** One change below the watched directory. */
export interface RawWatchEvent {
  /** Relative to the watched directory (`nested/file.txt`); `.` for the directory itself. */
  readonly name: string;
  readonly type: FsEventType;
  /** Absolute path of the changed entry. */
  readonly path: string;
}

export interface DirWatcherOptions {
  readonly native: EnvdNative;
  /** Absolute path of an existing directory. */
  readonly root: string;
  /** Also watch every subdirectory, including ones created later. */
  readonly recursive: boolean;
  readonly onEvent: (event: RawWatchEvent) => void;
  /** The watcher broke (queue overflow); it delivers nothing more. */
  readonly onError: (error: EnvdError) => void;
}

export interface DirWatcher {
  close(): void;
}

/**
 * Watches a directory tree with inotify, the way upstream envd's fsnotify fork does:
 * recursive watches add new subdirectories as they appear, and event names are relative
 * to the watched root.
 */
export async function startDirWatcher(options: DirWatcherOptions): Promise<DirWatcher> {
  const { native, root, recursive, onEvent, onError } = options;
  /** wd → directory relative to root ('' is the root). */
  const dirs = new Map<number, string>();
  let closed = false;
  let handle: InotifyHandle;

  const addWatch = (rel: string, extraMask: number): void => {
    const wd = native.inotifyAddWatch(handle, posix.join(root, rel), WATCH_MASK | extraMask);
    dirs.set(wd, rel);
  };

  const addTree = async (rel: string): Promise<void> => {
    let children: import('node:fs').Dirent[];
    try {
      children = await readdir(posix.join(root, rel), { withFileTypes: true });
    } catch {
      return; // Gone already, or unreadable: nothing to watch.
    }
    for (const child of children) {
      if (closed || !child.isDirectory()) continue;
      const childRel = posix.join(rel, child.name);
      try {
        addWatch(childRel, IN.ONLYDIR | IN.DONT_FOLLOW);
      } catch {
        continue; // Removed meanwhile, or out of watches: skip that subtree.
      }
      await addTree(childRel);
    }
  };

  const renamePrefix = (from: string, to: string): void => {
    for (const [wd, rel] of dirs) {
      if (rel === from || rel.startsWith(`${from}/`)) dirs.set(wd, to + rel.slice(from.length));
    }
  };

  const dropPrefix = (prefix: string): void => {
    for (const [wd, rel] of dirs) {
      if (rel === prefix || rel.startsWith(`${prefix}/`)) {
        dirs.delete(wd);
        try {
          native.inotifyRmWatch(handle, wd);
        } catch {
          // Already gone.
        }
      }
    }
  };

  const onBatch = (events: InotifyEvent[]): void => {
    if (closed) return;
    const movedAway = new Map<number, string>();
    for (const event of events) {
      if (event.mask & IN.Q_OVERFLOW) {
        onError(new EnvdError('INTERNAL', 'watcher error: fsnotify: queue or buffer overflow'));
        continue;
      }
      const dir = dirs.get(event.wd);
      if (dir === undefined) continue;
      if (event.mask & IN.IGNORED) {
        dirs.delete(event.wd);
        continue;
      }
      const isSelf = event.name === '';
      // A subdirectory's own DELETE_SELF/MOVE_SELF repeats what its parent already reported.
      if (isSelf && dir !== '') continue;
      const rel = isSelf ? '' : posix.join(dir, event.name);
      for (const type of eventTypes(event.mask)) {
        onEvent({ name: rel === '' ? '.' : rel, type, path: rel === '' ? root : posix.join(root, rel) });
      }
      if (!recursive || isSelf || !(event.mask & IN.ISDIR)) continue;
      if (event.mask & IN.MOVED_FROM) movedAway.set(event.cookie, rel);
      if (event.mask & (IN.CREATE | IN.MOVED_TO)) {
        const from = event.mask & IN.MOVED_TO ? movedAway.get(event.cookie) : undefined;
        if (from !== undefined) {
          movedAway.delete(event.cookie);
          renamePrefix(from, rel);
        } else {
          try {
            addWatch(rel, IN.ONLYDIR | IN.DONT_FOLLOW);
            void addTree(rel);
          } catch {
            // Removed again before we could watch it.
          }
        }
      }
    }
    // Directories moved out of the tree: stop watching them under their stale names.
    for (const rel of movedAway.values()) dropPrefix(rel);
  };

  try {
    handle = native.inotifyOpen(onBatch);
  } catch (error) {
    const code = errnoCode(error) === 'EMFILE' ? 'RESOURCE_EXHAUSTED' : 'INTERNAL';
    throw new EnvdError(code, `error creating watcher: ${String(error)}`, { cause: error });
  }
  const close = (): void => {
    if (closed) return;
    closed = true;
    native.inotifyClose(handle);
    dirs.clear();
  };
  try {
    addWatch('', 0);
    if (recursive) await addTree('');
  } catch (error) {
    close();
    const code = errnoCode(error) === 'ENOSPC' ? 'RESOURCE_EXHAUSTED' : 'INTERNAL';
    throw new EnvdError(code, `error adding path ${root} to watcher: ${String(error)}`, { cause: error });
  }
  return { close };
}
