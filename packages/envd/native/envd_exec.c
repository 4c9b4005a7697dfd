/*
 * envd-exec: drops privileges and execs a user command.
 *
 *   envd-exec <uid> <gid> <groups: comma-separated gids | -> <oom_score_adj | -> <file> [args...]
 *
 * Why a helper instead of spawn()'s uid/gid options: libuv clears all supplementary groups
 * and node-pty keeps envd's own, while a sandbox user must run with exactly the groups
 * /etc/group gives it (E2B's `user` is in `sudo`). Writing oom_score_adj here, before exec,
 * also closes the window in which a fresh child would still carry envd's OOM protection.
 *
 * Built static (gcc -O2 -static) so it runs inside any template without its libc.
 * Exit status 127 (not found) / 126 (cannot execute) on exec failure, like a shell.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_GROUPS 1024

static void die(const char *what, int err) {
  dprintf(2, "envd-exec: %s: %s\n", what, strerror(err));
  _exit(126);
}

static long parse_id(const char *text, const char *what) {
  char *end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0 || value > (long)UINT_MAX - 1) {
    dprintf(2, "envd-exec: invalid %s '%s'\n", what, text);
    _exit(126);
  }
  return value;
}

static void write_oom_score_adj(const char *value) {
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd == -1) return; /* best effort: /proc may be missing in odd setups */
  ssize_t ignored = write(fd, value, strlen(value));
  (void)ignored;
  close(fd);
}

int main(int argc, char **argv) {
  if (argc < 6) {
    dprintf(2, "usage: envd-exec <uid> <gid> <groups|-> <oom_score_adj|-> <file> [args...]\n");
    return 126;
  }
  uid_t uid = (uid_t)parse_id(argv[1], "uid");
  gid_t gid = (gid_t)parse_id(argv[2], "gid");

  gid_t groups[MAX_GROUPS];
  size_t ngroups = 0;
  if (strcmp(argv[3], "-") != 0) {
    char *list = argv[3];
    for (char *tok = strtok(list, ","); tok != NULL && ngroups < MAX_GROUPS; tok = strtok(NULL, ",")) {
      groups[ngroups++] = (gid_t)parse_id(tok, "group");
    }
  }

  if (strcmp(argv[4], "-") != 0) write_oom_score_adj(argv[4]);

  if (geteuid() == 0) {
    if (setgroups(ngroups, groups) == -1) die("setgroups", errno);
    if (setgid(gid) == -1) die("setgid", errno);
    if (setuid(uid) == -1) die("setuid", errno);
  } else if (uid != geteuid() || gid != getegid()) {
    /* Without root envd can only run commands as itself. */
    die("switch user", EPERM);
  }

  execvp(argv[5], argv + 5);
  int err = errno;
  dprintf(2, "%s: %s\n", argv[5], strerror(err));
  return err == ENOENT ? 127 : 126;
}
