/*
 * soulbox-idmap-mount: read-only, id-mapped views of directory trees.
 *
 *   soulbox-idmap-mount view <source> <target> <from> <to> <count>
 *   soulbox-idmap-mount overlay <lower-source> <lower> <upper> <work> <merged> <from> <to> <count>
 *
 * Files owned on disk by ids from..from+count-1 (uids and gids alike) appear through a view as
 * to..to+count-1; other ids appear as the overflow id (nobody). Nothing on disk changes, and
 * a view is read-only, nosuid and nodev.
 *
 * `view` attaches the view of <source> at <target>. `overlay` attaches the view of
 * <lower-source> at <lower>, mounts an overlay of it with <upper> and <work> at <merged>, and
 * detaches <lower> again: overlayfs keeps a private clone of each layer's mount (idmapping
 * included), so the sandbox's root filesystem costs one mount in the host's table, and one
 * process instead of a second mount(8).
 *
 * SoulBox keeps templates on disk with the image's own owners (0..65535) and gives every
 * sandbox its own host id range. A sandbox's overlay lower layer is a view of the template
 * (from 0 to the sandbox's first host id), so creating a sandbox copies nothing and no
 * sandbox id ever owns a template file. The reverse view (from the sandbox's first host id
 * to 0) lets a template build read a build sandbox's writable layer with image owners.
 *
 * How: a user namespace with the mapping (a child process cloned into it only has to exist
 * while its /proc/<pid>/ns/user is opened), then open_tree(OPEN_TREE_CLONE) for a detached
 * copy of the source mount, mount_setattr(MOUNT_ATTR_IDMAP) with that namespace, and
 * move_mount() onto the target. Needs Linux >= 5.12 for idmapped mounts, and a source
 * filesystem that supports them (ext4, xfs, btrfs, tmpfs >= 6.3, ...); overlayfs accepts
 * idmapped lower layers since 5.19.
 *
 * No path is followed if its last component is a symlink; paths that would change the
 * overlay's option string (',', ':', '\\', '=') are refused. Exit status 0 on success; 1
 * with a message on stderr otherwise, with nothing left mounted. Built static, like envd's
 * helpers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what, int err) {
  dprintf(2, "soulbox-idmap-mount: %s: %s\n", what, strerror(err));
  exit(1);
}

static uint32_t parse_id(const char *text, const char *what) {
  char *end = NULL;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value > UINT32_MAX) {
    dprintf(2, "soulbox-idmap-mount: invalid %s '%s'\n", what, text);
    exit(1);
  }
  return (uint32_t)value;
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd == -1) die(path, errno);
  ssize_t len = (ssize_t)strlen(text);
  if (write(fd, text, (size_t)len) != len) die(path, errno);
  close(fd);
}

/* A user namespace fd whose uid and gid maps are "<from> <to> <count>". */
static int mapped_userns(uint32_t from, uint32_t to, uint32_t count) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) == -1) die("pipe", errno);
  /* clone() puts the child straight into a new user namespace: no unshare race. */
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid == -1) die("clone(CLONE_NEWUSER)", errno);
  if (pid == 0) {
    /* Wait until the parent has what it needs (it closes the pipe, or dies). */
    char c;
    close(ready[1]);
    while (read(ready[0], &c, 1) == -1 && errno == EINTR) {
    }
    _exit(0);
  }
  close(ready[0]);
  char path[64];
  char map[96];
  snprintf(map, sizeof map, "%u %u %u\n", from, to, count);
  snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
  write_file(path, map);
  snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
  write_file(path, map);
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) die(path, errno);
  close(ready[1]);
  while (waitpid(pid, NULL, 0) == -1 && errno == EINTR) {
  }
  return fd;
}

/* Attaches the view of source at target. */
static void attach_view(const char *source, const char *target, uint32_t from, uint32_t to,
                        uint32_t count) {
  if ((uint64_t)from + count > UINT32_MAX || (uint64_t)to + count > UINT32_MAX || count == 0) {
    dprintf(2, "soulbox-idmap-mount: id range out of bounds\n");
    exit(1);
  }
  int userns = mapped_userns(from, to, count);
  /* A detached copy of the mount at source (not its submounts: a rootfs has none). */
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
  if (tree == -1) die("open_tree", errno);
  struct mount_attr attr = {
      .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
      .userns_fd = (uint64_t)userns,
  };
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) == -1)
    die("mount_setattr(MOUNT_ATTR_IDMAP)", errno);
  /* Without MOVE_MOUNT_T_SYMLINKS a symlink at target is not followed. */
  if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) == -1)
    die("move_mount", errno);
  close(tree);
  close(userns);
}

static const char *option_path(const char *path) {
  if (path[0] != '/' || strpbrk(path, ",:\\=") != NULL) {
    dprintf(2, "soulbox-idmap-mount: unusable path for an overlay option: %s\n", path);
    exit(1);
  }
  return path;
}

static int usage(void) {
  dprintf(2, "usage: soulbox-idmap-mount view <source> <target> <from> <to> <count>\n"
             "       soulbox-idmap-mount overlay <lower-source> <lower> <upper> <work> <merged> "
             "<from> <to> <count>\n");
  return 1;
}

int main(int argc, char **argv) {
  if (argc == 7 && strcmp(argv[1], "view") == 0) {
    attach_view(argv[2], argv[3], parse_id(argv[4], "from"), parse_id(argv[5], "to"),
                parse_id(argv[6], "count"));
    return 0;
  }
  if (argc == 10 && strcmp(argv[1], "overlay") == 0) {
    const char *lower = option_path(argv[3]);
    const char *upper = option_path(argv[4]);
    const char *work = option_path(argv[5]);
    const char *merged = argv[6];
    uint32_t from = parse_id(argv[7], "from");
    uint32_t to = parse_id(argv[8], "to");
    uint32_t count = parse_id(argv[9], "count");
    attach_view(argv[2], lower, from, to, count);
    /* xino=off: lower and upper may sit on different filesystems; index=off keeps mounts cheap. */
    char opts[4 * PATH_MAX];
    int n = snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s,xino=off,index=off",
                     lower, upper, work);
    int err = 0;
    if (n < 0 || (size_t)n >= sizeof opts)
      err = ENAMETOOLONG;
    else if (mount("overlay", merged, "overlay", 0, opts) == -1)
      err = errno;
    /* The overlay holds its own clone of the view; the attached one only served the lookup. */
    if (umount2(lower, MNT_DETACH | UMOUNT_NOFOLLOW) == -1 && err == 0) {
      int e = errno;
      umount2(merged, MNT_DETACH | UMOUNT_NOFOLLOW);
      die("umount2(lower)", e);
    }
    if (err != 0) die("mount(overlay)", err);
    return 0;
  }
  return usage();
}
