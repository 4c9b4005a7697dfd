/*
 * envd-launch: runs on the HOST. Creates envd's two listening unix sockets and hands them,
 * with the config, to the command it executes (runc run --preserve-fds 3 ...):
 *
 *   envd-launch <api-socket-path> <control-socket-path> <config-file> <command> [args...]
 *
 *   fd 3  listening socket bound at <api-socket-path>      (contract.ts API_LISTEN_FD)
 *   fd 4  listening socket bound at <control-socket-path>  (CONTROL_LISTEN_FD)
 *   fd 5  <config-file> opened read-only                   (CONFIG_FD)
 *
 * Why a helper: the socket files must stay where only the host can reach them, for as long
 * as envd runs, so the host can connect to an adopted sandbox after a restart. A socket
 * created by Node would be unlinked by libuv when the server process closes its handle, and
 * creating it inside the sandbox (as before) lets root in the sandbox swap it for a symlink.
 * Here the process that binds exits at once (exec), and only envd holds the listeners.
 *
 * The socket directory must be the host's own (0700 root); stale sockets in it are replaced.
 * Sockets are 0600. Built static like envd-exec; exit status 125 on any set-up failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define FIRST_PASSED_FD 3
#define PASSED_FDS 3
/* Connections the kernel queues before envd accepts: the host's first requests arrive early. */
#define BACKLOG 511

static void die(const char *what, const char *arg, int err) {
  dprintf(2, "envd-launch: %s %s: %s\n", what, arg, strerror(err));
  _exit(125);
}

static int listen_at(const char *path) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(addr.sun_path)) die("socket path too long:", path, ENAMETOOLONG);
  strcpy(addr.sun_path, path);
  if (unlink(path) == -1 && errno != ENOENT) die("cannot remove", path, errno);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) die("socket for", path, errno);
  /* umask 0177 at bind time: the socket file is created 0600, never briefly wider. */
  mode_t old = umask(0177);
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1) die("bind", path, errno);
  umask(old);
  if (listen(fd, BACKLOG) == -1) die("listen", path, errno);
  return fd;
}

/* Moves fd above the range being filled, so dup2 into 3..5 never clobbers a source. */
static int lift(int fd) {
  int high = fcntl(fd, F_DUPFD_CLOEXEC, FIRST_PASSED_FD + PASSED_FDS);
  if (high == -1) die("fcntl", "F_DUPFD", errno);
  close(fd);
  return high;
}

/* Nothing but stdio and the three passed descriptors reaches the command, whatever the caller leaked. */
static void close_others(void) {
  int first = FIRST_PASSED_FD + PASSED_FDS;
#ifdef SYS_close_range
  if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
#endif
  struct rlimit lim;
  int max = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 1048576 ? (int)lim.rlim_cur : 1048576;
  for (int fd = first; fd < max; fd++) close(fd);
}

int main(int argc, char **argv) {
  if (argc < 5) {
    dprintf(2, "usage: envd-launch <api-socket> <control-socket> <config-file> <command> [args...]\n");
    return 125;
  }
  int fds[PASSED_FDS];
  fds[0] = lift(listen_at(argv[1]));
  fds[1] = lift(listen_at(argv[2]));
  int config = open(argv[3], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (config == -1) die("cannot open", argv[3], errno);
  fds[2] = lift(config);
  for (int i = 0; i < PASSED_FDS; i++) {
    /* dup2 clears FD_CLOEXEC on the target: exactly these three survive the exec. */
    if (dup2(fds[i], FIRST_PASSED_FD + i) == -1) die("dup2", "", errno);
    close(fds[i]);
  }
  close_others();
  execvp(argv[4], argv + 4);
  die("cannot execute", argv[4], errno);
  return 125;
}
