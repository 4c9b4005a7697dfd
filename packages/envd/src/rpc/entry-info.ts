import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { type EntryInfoSchema, EventType, FileType } from '@soulbox/proto';
import type { FileEntry, FileEntryType } from '../filesystem/file-entry.js';
import type { FsEventType } from '../filesystem/inotify-events.js';

const FILE_TYPES: Readonly<Record<FileEntryType, FileType>> = {
  file: FileType.FILE,
  dir: FileType.DIRECTORY,
  symlink: FileType.SYMLINK,
  unknown: FileType.UNSPECIFIED,
};

const EVENT_TYPES: Readonly<Record<FsEventType, EventType>> = {
  create: EventType.CREATE,
  write: EventType.WRITE,
  remove: EventType.REMOVE,
  rename: EventType.RENAME,
  chmod: EventType.CHMOD,
};

export function toEntryInfo(entry: FileEntry): MessageInitShape<typeof EntryInfoSchema> {
  return {
    name: entry.name,
    type: FILE_TYPES[entry.type],
    path: entry.path,
    size: entry.size,
    mode: entry.mode,
    permissions: entry.permissions,
    owner: entry.owner,
    group: entry.group,
    modifiedTime: timestampFromDate(entry.modifiedTime),
    symlinkTarget: entry.symlinkTarget,
    metadata: { ...entry.metadata },
  };
}

export function toEventType(type: FsEventType): EventType {
  return EVENT_TYPES[type];
}
