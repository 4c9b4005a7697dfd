/*
 * envd_native: the few syscalls Node does not expose and envd needs.
 *
 *   waitpid(pid)                       -> null | { exitCode, signal }   (WNOHANG, one pid only)
 *   setChildSubreaper()                -> undefined                     (prctl; lets tests reap like PID 1)
 *   getxattr(path, name)               -> Buffer | null                 (null when the attribute is absent)
 *   setxattr(path, name, value)        -> undefined
 *   listxattr(path)                    -> string[]
 *   removexattr(path, name)            -> undefined                     (absent is not an error)
 *   inotifyOpen(callback)              -> handle; callback(events[]) with { wd, mask, cookie, name }
 *   inotifyAddWatch(handle, path, mask)-> wd
 *   inotifyRmWatch(handle, wd)         -> undefined
 *   inotifyClose(handle)               -> undefined
 *   setDumpable(flag)                  -> undefined                     (prctl PR_SET_DUMPABLE)
 *   isDumpable()                       -> boolean                       (prctl PR_GET_DUMPABLE)
 *   setCloexec(fd)                     -> undefined                     (fcntl FD_CLOEXEC)
 *   isListeningUnixSocket(fd)          -> boolean                       (AF_UNIX stream, listening)
 *
 * Errors are thrown as Error objects with `code` (errno name, e.g. "ENOENT") and `errno`.
 * waitpid never takes -1: libuv and node-pty wait for their own children by pid, so a
 * wildcard wait here would steal their exit statuses.
 *
 * Built without node-gyp: gcc -O2 -shared -fPIC -I<node>/include/node (see scripts/build-native.mjs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <uv.h>

#ifndef NODE_GYP_MODULE_NAME
#define NODE_GYP_MODULE_NAME envd_native
#endif

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) return NULL;                                                            \
  } while (0)

static const char *errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ELOOP: return "ELOOP";
    case ENODATA: return "ENODATA";
    case ENOTSUP: return "ENOTSUP";
    case E2BIG: return "E2BIG";
    case EDQUOT: return "EDQUOT";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char message[256];
  snprintf(message, sizeof(message), "%s: %s (%s)", syscall, strerror(err), errno_name(err));
  napi_value msg, code, error, errnum;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, NULL, msg, &error);
  napi_set_named_property(env, error, "code", code);
  napi_create_int32(env, err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* Reads a JS string argument into a malloc'd buffer the caller frees. */
static char *get_string(napi_env env, napi_value value) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) return NULL;
  char *buf = malloc(len + 1);
  if (buf == NULL) return NULL;
  if (napi_get_value_string_utf8(env, value, buf, len + 1, &len) != napi_ok) {
    free(buf);
    return NULL;
  }
  return buf;
}

static napi_value get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < want) return throw_type(env, "missing arguments");
  napi_value ok;
  napi_get_boolean(env, true, &ok);
  return ok;
}

static napi_value undefined(napi_env env) {
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

/* ---- processes ---------------------------------------------------------------------------- */

static napi_value js_waitpid(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  int32_t pid;
  if (napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid <= 0) {
    return throw_type(env, "pid must be a positive integer");
  }
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, WNOHANG);
  } while (r == -1 && errno == EINTR);
  if (r == -1) return throw_errno(env, "waitpid", errno);
  napi_value result;
  if (r == 0) {
    napi_get_null(env, &result);
    return result;
  }
  napi_value exit_code, signal;
  napi_create_object(env, &result);
  if (WIFEXITED(status)) {
    napi_create_int32(env, WEXITSTATUS(status), &exit_code);
    napi_get_null(env, &signal);
  } else {
    napi_get_null(env, &exit_code);
    napi_create_int32(env, WIFSIGNALED(status) ? WTERMSIG(status) : 0, &signal);
  }
  napi_set_named_property(env, result, "exitCode", exit_code);
  napi_set_named_property(env, result, "signal", signal);
  return result;
}

static napi_value js_set_child_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) return throw_errno(env, "prctl", errno);
  return undefined(env);
}

/* ---- extended attributes ------------------------------------------------------------------ */

static napi_value js_getxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv) == NULL) return NULL;
  char *path = get_string(env, argv[0]);
  char *name = get_string(env, argv[1]);
  napi_value result = NULL;
  if (path == NULL || name == NULL) {
    result = throw_type(env, "path and name must be strings");
    goto out;
  }
  for (;;) {
    ssize_t size = getxattr(path, name, NULL, 0);
    if (size == -1) {
      if (errno == ENODATA) {
        napi_get_null(env, &result);
      } else {
        result = throw_errno(env, "getxattr", errno);
      }
      goto out;
    }
    void *data = NULL;
    napi_value buffer;
    if (napi_create_buffer(env, (size_t)size, &data, &buffer) != napi_ok) goto out;
    ssize_t got = size == 0 ? 0 : getxattr(path, name, data, (size_t)size);
    if (got == -1 && errno == ERANGE) continue; /* grew between the two calls */
    if (got == -1) {
      result = throw_errno(env, "getxattr", errno);
      goto out;
    }
    if (got == size) {
      result = buffer;
    } else {
      void *copy = NULL;
      napi_create_buffer_copy(env, (size_t)got, data, &copy, &result);
    }
    goto out;
  }
out:
  free(path);
  free(name);
  return result;
}

static napi_value js_setxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv) == NULL) return NULL;
  void *data = NULL;
  size_t len = 0;
  bool is_buffer = false;
  napi_is_buffer(env, argv[2], &is_buffer);
  if (!is_buffer) return throw_type(env, "value must be a Buffer");
  CHECK(napi_get_buffer_info(env, argv[2], &data, &len));
  char *path = get_string(env, argv[0]);
  char *name = get_string(env, argv[1]);
  napi_value result = NULL;
  if (path == NULL || name == NULL) {
    result = throw_type(env, "path and name must be strings");
  } else if (setxattr(path, name, data, len, 0) == -1) {
    result = throw_errno(env, "setxattr", errno);
  } else {
    result = undefined(env);
  }
  free(path);
  free(name);
  return result;
}

static napi_value js_listxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  char *path = get_string(env, argv[0]);
  if (path == NULL) return throw_type(env, "path must be a string");
  napi_value result = NULL;
  char *names = NULL;
  for (;;) {
    ssize_t size = listxattr(path, NULL, 0);
    if (size == -1) {
      result = throw_errno(env, "listxattr", errno);
      break;
    }
    free(names);
    names = malloc((size_t)size + 1);
    if (names == NULL) {
      result = throw_errno(env, "listxattr", ENOMEM);
      break;
    }
    ssize_t got = size == 0 ? 0 : listxattr(path, names, (size_t)size);
    if (got == -1 && errno == ERANGE) continue;
    if (got == -1) {
      result = throw_errno(env, "listxattr", errno);
      break;
    }
    napi_create_array(env, &result);
    uint32_t index = 0;
    for (ssize_t at = 0; at < got;) {
      size_t n = strnlen(names + at, (size_t)(got - at));
      napi_value item;
      napi_create_string_utf8(env, names + at, n, &item);
      napi_set_element(env, result, index++, item);
      at += (ssize_t)n + 1;
    }
    break;
  }
  free(names);
  free(path);
  return result;
}

static napi_value js_removexattr(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv) == NULL) return NULL;
  char *path = get_string(env, argv[0]);
  char *name = get_string(env, argv[1]);
  napi_value result = NULL;
  if (path == NULL || name == NULL) {
    result = throw_type(env, "path and name must be strings");
  } else if (removexattr(path, name) == -1 && errno != ENODATA) {
    result = throw_errno(env, "removexattr", errno);
  } else {
    result = undefined(env);
  }
  free(path);
  free(name);
  return result;
}

/* ---- inotify ------------------------------------------------------------------------------ */

/*
 * Node's fs.watch folds inotify masks into "rename"/"change", which loses the difference
 * between create, remove, rename, write and chmod that the WatchDir protocol reports.
 * So the fd is polled on libuv's loop here and raw events go to JS.
 */
typedef struct {
  int fd;
  int closed;      /* inotifyClose() or the finalizer stopped the poll */
  int poll_closed; /* libuv finished closing the poll handle */
  int finalized;   /* the JS handle was garbage collected */
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async_context;
} inotify_handle;

/* The struct is freed only when libuv is done with the poll and JS is done with the handle. */
static void maybe_free(inotify_handle *h) {
  if (h->poll_closed && h->finalized) free(h);
}

static void on_poll_closed(uv_handle_t *handle) {
  inotify_handle *h = handle->data;
  close(h->fd);
  h->poll_closed = 1;
  maybe_free(h);
}

static void inotify_shutdown(inotify_handle *h) {
  if (h->closed) return;
  h->closed = 1;
  uv_poll_stop(&h->poll);
  if (h->callback != NULL) {
    napi_delete_reference(h->env, h->callback);
    h->callback = NULL;
  }
  if (h->async_context != NULL) {
    napi_async_destroy(h->env, h->async_context);
    h->async_context = NULL;
  }
  uv_close((uv_handle_t *)&h->poll, on_poll_closed);
}

static void on_inotify_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  inotify_handle *h = poll->data;
  if (h->closed) return;
  napi_env env = h->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;

  napi_value list;
  napi_create_array(env, &list);
  uint32_t count = 0;
  if (status == 0) {
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
      ssize_t len = read(h->fd, buf, sizeof(buf));
      if (len <= 0) break; /* EAGAIN: drained */
      for (char *at = buf; at < buf + len;) {
        const struct inotify_event *ev = (const struct inotify_event *)at;
        napi_value item, wd, mask, cookie, name;
        napi_create_object(env, &item);
        napi_create_int32(env, ev->wd, &wd);
        napi_create_uint32(env, ev->mask, &mask);
        napi_create_uint32(env, ev->cookie, &cookie);
        napi_create_string_utf8(env, ev->len > 0 ? ev->name : "", NAPI_AUTO_LENGTH, &name);
        napi_set_named_property(env, item, "wd", wd);
        napi_set_named_property(env, item, "mask", mask);
        napi_set_named_property(env, item, "cookie", cookie);
        napi_set_named_property(env, item, "name", name);
        napi_set_element(env, list, count++, item);
        at += sizeof(struct inotify_event) + ev->len;
      }
    }
  }

  napi_value callback, recv, result;
  if (count > 0 && h->callback != NULL && napi_get_reference_value(env, h->callback, &callback) == napi_ok &&
      callback != NULL) {
    napi_get_global(env, &recv); /* napi_make_callback insists on an object receiver */
    /* napi_make_callback runs microtasks and reports exceptions like any other Node callback. */
    napi_make_callback(env, h->async_context, recv, callback, 1, &list, &result);
  }
  napi_close_handle_scope(env, scope);
}

static void finalize_inotify(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  inotify_handle *h = data;
  inotify_shutdown(h);
  h->finalized = 1;
  maybe_free(h);
}

static napi_value js_inotify_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[0], &type));
  if (type != napi_function) return throw_type(env, "callback must be a function");

  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd == -1) return throw_errno(env, "inotify_init1", errno);

  inotify_handle *h = calloc(1, sizeof(*h));
  if (h == NULL) {
    close(fd);
    return throw_errno(env, "inotify_init1", ENOMEM);
  }
  h->fd = fd;
  h->env = env;
  h->poll.data = h;
  if (uv_poll_init(loop, &h->poll, fd) != 0) {
    close(fd);
    free(h);
    return throw_errno(env, "uv_poll_init", EINVAL);
  }
  napi_create_reference(env, argv[0], 1, &h->callback);
  napi_value resource_name;
  napi_create_string_utf8(env, "envd:inotify", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &h->async_context);
  uv_poll_start(&h->poll, UV_READABLE, on_inotify_readable);
  /* A watcher alone must not keep envd (or a test process) alive. */
  uv_unref((uv_handle_t *)&h->poll);

  napi_value external;
  CHECK(napi_create_external(env, h, finalize_inotify, NULL, &external));
  return external;
}

static inotify_handle *get_inotify(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    throw_type(env, "invalid inotify handle");
    return NULL;
  }
  inotify_handle *h = data;
  if (h->closed) {
    throw_errno(env, "inotify", EBADF);
    return NULL;
  }
  return h;
}

static napi_value js_inotify_add_watch(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv) == NULL) return NULL;
  inotify_handle *h = get_inotify(env, argv[0]);
  if (h == NULL) return NULL;
  uint32_t mask;
  if (napi_get_value_uint32(env, argv[2], &mask) != napi_ok) return throw_type(env, "mask must be a number");
  char *path = get_string(env, argv[1]);
  if (path == NULL) return throw_type(env, "path must be a string");
  int wd = inotify_add_watch(h->fd, path, mask);
  int err = errno;
  free(path);
  if (wd == -1) return throw_errno(env, "inotify_add_watch", err);
  napi_value result;
  napi_create_int32(env, wd, &result);
  return result;
}

static napi_value js_inotify_rm_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv) == NULL) return NULL;
  inotify_handle *h = get_inotify(env, argv[0]);
  if (h == NULL) return NULL;
  int32_t wd;
  if (napi_get_value_int32(env, argv[1], &wd) != napi_ok) return throw_type(env, "wd must be a number");
  /* EINVAL means the kernel already dropped the watch (its directory was deleted). */
  if (inotify_rm_watch(h->fd, wd) == -1 && errno != EINVAL) return throw_errno(env, "inotify_rm_watch", errno);
  return undefined(env);
}

static napi_value js_inotify_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    return throw_type(env, "invalid inotify handle");
  }
  inotify_shutdown(data);
  return undefined(env);
}

/* ---- process hardening ------------------------------------------------------------------- */

/*
 * A non-dumpable process cannot be ptraced, and its /proc/<pid>/{fd,mem,environ,...} cannot be
 * opened, by anyone without CAP_SYS_PTRACE in its user namespace (root in a sandbox lacks it).
 * The flag survives fork but is reset by execve, so children envd starts are dumpable again.
 */
static napi_value js_set_dumpable(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  bool flag = false;
  if (napi_get_value_bool(env, argv[0], &flag) != napi_ok) return throw_type(env, "flag must be a boolean");
  if (prctl(PR_SET_DUMPABLE, flag ? 1 : 0, 0, 0, 0) == -1) return throw_errno(env, "prctl", errno);
  return undefined(env);
}

static napi_value js_is_dumpable(napi_env env, napi_callback_info info) {
  (void)info;
  int value = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (value == -1) return throw_errno(env, "prctl", errno);
  napi_value result;
  napi_get_boolean(env, value != 0, &result);
  return result;
}

static napi_value get_fd(napi_env env, napi_callback_info info, int *fd) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv) == NULL) return NULL;
  if (napi_get_value_int32(env, argv[0], fd) != napi_ok || *fd < 0) return throw_type(env, "fd must be a number");
  return argv[0];
}

/* Inherited descriptors (runc --preserve-fds) come without FD_CLOEXEC; libuv does not add it. */
static napi_value js_set_cloexec(napi_env env, napi_callback_info info) {
  int fd = -1;
  if (get_fd(env, info, &fd) == NULL) return NULL;
  int flags = fcntl(fd, F_GETFD);
  if (flags == -1) return throw_errno(env, "fcntl", errno);
  if (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1) return throw_errno(env, "fcntl", errno);
  return undefined(env);
}

static napi_value js_is_listening_unix_socket(napi_env env, napi_callback_info info) {
  int fd = -1;
  if (get_fd(env, info, &fd) == NULL) return NULL;
  int domain = 0, type = 0, listening = 0;
  socklen_t len = sizeof(int);
  bool ok = getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX;
  len = sizeof(int);
  ok = ok && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
  len = sizeof(int);
  ok = ok && getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening != 0;
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

/* ---- module ------------------------------------------------------------------------------- */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"waitpid", NULL, js_waitpid, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setChildSubreaper", NULL, js_set_child_subreaper, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getxattr", NULL, js_getxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setxattr", NULL, js_setxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listxattr", NULL, js_listxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"removexattr", NULL, js_removexattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"inotifyOpen", NULL, js_inotify_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"inotifyAddWatch", NULL, js_inotify_add_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"inotifyRmWatch", NULL, js_inotify_rm_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"inotifyClose", NULL, js_inotify_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setDumpable", NULL, js_set_dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isDumpable", NULL, js_is_dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setCloexec", NULL, js_set_cloexec, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isListeningUnixSocket", NULL, js_is_listening_unix_socket, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
