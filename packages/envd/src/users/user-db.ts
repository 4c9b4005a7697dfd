import { readFileSync, statSync } from 'node:fs';
import { EnvdError } from '../errors/envd-error.js';

/** A Linux account a request runs as. */
export interface SandboxUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** Primary gid followed by the supplementary groups from /etc/group. */
  readonly groups: readonly number[];
}

/**
 * Reads /etc/passwd and /etc/group directly: envd runs on the host's node and libc inside a
 * template whose NSS set-up may differ, and the files are what `useradd` in a template edits.
 */
export interface UserDb {
  lookup(name: string): SandboxUser | undefined;
  /** Name for a uid, or the number as a string (like Go's fallback). */
  userName(uid: number): string;
  /** Name for a gid, or the number as a string. */
  groupName(gid: number): string;
}

export interface UserDbOptions {
  /** @default "/etc/passwd" */
  readonly passwdPath?: string;
  /** @default "/etc/group" */
  readonly groupPath?: string;
  /**
   * How long parsed files are trusted before their mtime is checked again.
   * @default 1000
   */
  readonly recheckMs?: number;
}

interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

interface Tables {
  readonly users: Map<string, PasswdEntry>;
  readonly userNames: Map<number, string>;
  readonly groups: readonly GroupEntry[];
  readonly groupNames: Map<number, string>;
}

function readLines(path: string): string[][] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

function parseTables(passwdPath: string, groupPath: string): Tables {
  const users = new Map<string, PasswdEntry>();
  const userNames = new Map<number, string>();
  for (const [name, , uidText, gidText, , home] of readLines(passwdPath)) {
    const uid = parseId(uidText);
    const gid = parseId(gidText);
    if (!name || uid === undefined || gid === undefined) continue;
    // First entry wins, as getpwnam/getpwuid do.
    if (!users.has(name)) users.set(name, { name, uid, gid, home: home || '/' });
    if (!userNames.has(uid)) userNames.set(uid, name);
  }
  const groups: GroupEntry[] = [];
  const groupNames = new Map<number, string>();
  for (const [name, , gidText, members] of readLines(groupPath)) {
    const gid = parseId(gidText);
    if (!name || gid === undefined) continue;
    groups.push({ name, gid, members: members ? members.split(',').filter(Boolean) : [] });
    if (!groupNames.has(gid)) groupNames.set(gid, name);
  }
  return { users, userNames, groups, groupNames };
}

function fileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return 'missing';
  }
}

export function createUserDb(options: UserDbOptions = {}): UserDb {
  const passwdPath = options.passwdPath ?? '/etc/passwd';
  const groupPath = options.groupPath ?? '/etc/group';
  const recheckMs = options.recheckMs ?? 1000;
  let tables: Tables | undefined;
  let stamp = '';
  let checkedAt = 0;

  const current = (): Tables => {
    const now = Date.now();
    if (tables && now - checkedAt < recheckMs) return tables;
    checkedAt = now;
    const next = `${fileStamp(passwdPath)}|${fileStamp(groupPath)}`;
    if (!tables || next !== stamp) {
      tables = parseTables(passwdPath, groupPath);
      stamp = next;
    }
    return tables;
  };

  return {
    lookup(name) {
      const t = current();
      const entry = t.users.get(name);
      if (!entry) return undefined;
      const groups = [entry.gid];
      for (const group of t.groups) {
        if (group.members.includes(name) && !groups.includes(group.gid)) groups.push(group.gid);
      }
      return { ...entry, groups };
    },
    userName: (uid) => current().userNames.get(uid) ?? String(uid),
    groupName: (gid) => current().groupNames.get(gid) ?? String(gid),
  };
}

/**
 * Resolves the user a request names, or the default user when it names none.
 * @throws EnvdError UNAUTHENTICATED for an unknown name (the SDK maps it to AuthenticationError)
 */
export function resolveUser(users: UserDb, name: string | undefined, defaultUser: string): SandboxUser {
  const wanted = name ?? defaultUser;
  const user = users.lookup(wanted);
  if (!user) {
    const what = name === undefined ? 'invalid default user' : 'invalid username';
    throw new EnvdError('UNAUTHENTICATED', `${what}: '${wanted}'`);
  }
  return user;
}
