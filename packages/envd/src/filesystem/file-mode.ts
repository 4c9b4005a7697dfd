// st_mode bits from <sys/stat.h> (Node's fs.constants lacks the setuid/setgid/sticky ones).
const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFBLK = 0o060000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;

/** Permission bits only (what EntryInfo.mode carries): 0o644 → 420. */
export function permissionBits(mode: number): number {
  return mode & 0o777;
}

/**
 * Go's `fs.FileMode.String()` for a Unix `st_mode`, e.g. `-rw-r--r--`, `drwxr-xr-x`,
 * `Lrwxrwxrwx`, `dtrwxrwxrwx` (sticky /tmp), `Dcrw-rw-rw-` (char device). Clients compare
 * against these exact strings, so Go's type letters are used, not `ls`'s.
 */
export function goFileModeString(mode: number): string {
  const type = mode & S_IFMT;
  // Go's letter order "dalTLDpSugct?"; a, l and T have no Unix st_mode equivalent.
  let prefix = '';
  if (type === S_IFDIR) prefix += 'd';
  if (type === S_IFLNK) prefix += 'L';
  if (type === S_IFBLK || type === S_IFCHR) prefix += 'D';
  if (type === S_IFIFO) prefix += 'p';
  if (type === S_IFSOCK) prefix += 'S';
  if (mode & S_ISUID) prefix += 'u';
  if (mode & S_ISGID) prefix += 'g';
  if (type === S_IFCHR) prefix += 'c';
  if (mode & S_ISVTX) prefix += 't';
  const known = [S_IFDIR, S_IFLNK, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK, S_IFREG];
  if (!known.includes(type)) prefix += '?';
  if (prefix === '') prefix = '-';

  const rwx = 'rwxrwxrwx';
  let perms = '';
  for (let i = 0; i < 9; i++) perms += mode & (1 << (8 - i)) ? rwx[i] : '-';
  return prefix + perms;
}
