/** inotify(7) mask bits used by the watcher. */
export const IN = {
  MODIFY: 0x2,
  ATTRIB: 0x4,
  MOVED_FROM: 0x40,
  MOVED_TO: 0x80,
  CREATE: 0x100,
  DELETE: 0x200,
  DELETE_SELF: 0x400,
  MOVE_SELF: 0x800,
  UNMOUNT: 0x2000,
  Q_OVERFLOW: 0x4000,
  IGNORED: 0x8000,
  ONLYDIR: 0x01000000,
  DONT_FOLLOW: 0x02000000,
  ISDIR: 0x40000000,
} as const;

/** What fsnotify (upstream envd's watcher library) subscribes to. */
export const WATCH_MASK =
  IN.MOVED_TO | IN.MOVED_FROM | IN.CREATE | IN.ATTRIB | IN.MODIFY | IN.MOVE_SELF | IN.DELETE | IN.DELETE_SELF;

export type FsEventType = 'create' | 'write' | 'remove' | 'rename' | 'chmod';

/**
 * Event types of one inotify event, in the order upstream envd emits them
 * (create, rename, chmod, write, remove), mapped the way fsnotify does.
 */
export function eventTypes(mask: number): FsEventType[] {
  const out: FsEventType[] = [];
  if (mask & (IN.CREATE | IN.MOVED_TO)) out.push('create');
  if (mask & (IN.MOVE_SELF | IN.MOVED_FROM)) out.push('rename');
  if (mask & IN.ATTRIB) out.push('chmod');
  if (mask & IN.MODIFY) out.push('write');
  if (mask & (IN.DELETE | IN.DELETE_SELF)) out.push('remove');
  return out;
}
