/* Lists the pids of a proc root and reads <root>/<pid>/stat for a list of pids in one call: the I/O loop of the procfs walk without a JavaScript-to-C++
 * crossing per syscall (three per process with node:fs, which is most of what the walk costs beyond the kernel's own
 * work). It decides nothing: it copies each file's bytes, or the errno that stopped it, into a buffer the caller owns,
 * and TypeScript parses them (src/procfs/native-stat-batch.ts). Optional: without it the walk uses node:fs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc-events.h"

/* Each record: int32 pid, int32 n, then n bytes of the file when n >= 0; n < 0 is -errno of open, fstat or read, or
 * NOT_REGULAR when the file is no regular file (a FIFO or a device would block, or feed the parser junk). */
#define RECORD_HEADER 8
#define NOT_REGULAR INT32_MIN
/* Non-blocking, so neither open() nor read() can wait on a FIFO or a device; a final symlink is refused (ELOOP), since
 * procfs never puts one where a stat file belongs. */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
/* The kernel's pids are 1 to PID_MAX_LIMIT - 1 (2^22 - 1 on 64-bit kernels, the most any kernel allows). */
#define PID_LIMIT 4194304
/* The most read from one stat file; a file that fills it is reported at this length and rejected as oversized. */
#define STAT_MAX 4096
#define ROOT_MAX 4000

/* readStats(root: string, pids: Int32Array, from: number, out: Buffer): number
 * Reads pids[from], pids[from + 1], ... one record each, until the list ends or `out` can't hold another record
 * (a record needs 8 + 4096 bytes of room). Returns the bytes written; the caller counts the records to know where to
 * go on from. */
static napi_value read_stats(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  char path[ROOT_MAX + 32];
  size_t root_len = 0;
  napi_typedarray_type type;
  size_t count = 0;
  void *pids_data = NULL;
  int64_t from = 0;
  bool is_buffer = false;
  uint8_t *out = NULL;
  size_t cap = 0;

  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], path, ROOT_MAX + 1, &root_len) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &type, &count, &pids_data, NULL, NULL) != napi_ok || type != napi_int32_array ||
      napi_get_value_int64(env, argv[2], &from) != napi_ok || from < 0 ||
      napi_is_buffer(env, argv[3], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[3], (void **)&out, &cap) != napi_ok) {
    napi_throw_type_error(env, NULL, "readStats(root: string, pids: Int32Array, from: number, out: Buffer)");
    return NULL;
  }
  if (root_len >= ROOT_MAX) {
    napi_throw_range_error(env, NULL, "proc root path too long");
    return NULL;
  }
  const int32_t *pids = pids_data;
  path[root_len] = '/';
  size_t pos = 0;
  for (size_t i = (size_t)from; i < count && pos + RECORD_HEADER + STAT_MAX <= cap; i++) {
    int32_t pid = pids[i];
    /* "<root>/<pid>/stat": write the decimal pid backwards into a small scratch, then copy it in. */
    char digits[12];
    int nd = 0;
    uint32_t v = (uint32_t)pid;
    do digits[nd++] = (char)('0' + v % 10); while ((v /= 10) != 0 && nd < 11);
    char *p = path + root_len + 1;
    while (nd > 0) *p++ = digits[--nd];
    memcpy(p, "/stat", 6);

    int32_t n;
    int fd;
    struct stat st;
    do fd = open(path, OPEN_FLAGS); while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      n = -errno;
    } else if (fstat(fd, &st) != 0) {
      n = -errno;
      close(fd);
    } else if (!S_ISREG(st.st_mode)) {
      n = NOT_REGULAR;
      close(fd);
    } else {
      ssize_t got;
      do got = read(fd, out + pos + RECORD_HEADER, STAT_MAX); while (got < 0 && errno == EINTR);
      n = got < 0 ? -errno : (int32_t)got;
      close(fd);
    }
    memcpy(out + pos, &pid, 4);
    memcpy(out + pos + 4, &n, 4);
    pos += RECORD_HEADER + (n > 0 ? (size_t)n : 0);
  }
  napi_value result;
  napi_create_double(env, (double)pos, &result);
  return result;
}

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOTDIR: return "ENOTDIR";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    default: return "EIO";
  }
}

/* listPids(root: string, out: Int32Array, notPids: Int32Array): number
 * Writes the pid entries of root (canonical decimals from 1 to PID_LIMIT - 1, the rule of src/procfs/pid-name.ts)
 * into `out` in directory order and returns how many; returns -(count so far) - 1 when `out` is full, so the caller
 * can grow it and call again. notPids[0] is set to the entries that begin with a digit and are no pid ("00012",
 * "2147483648"); other names (self, sys, net) are procfs's own. Throws an Error whose code is the errno name when root
 * can't be opened, as node:fs would. */
static napi_value list_pids(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char root[ROOT_MAX + 1];
  size_t root_len = 0;
  napi_typedarray_type type;
  size_t cap = 0;
  void *data = NULL;
  napi_typedarray_type not_type;
  size_t not_len = 0;
  void *not_data = NULL;

  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], root, sizeof root, &root_len) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &type, &cap, &data, NULL, NULL) != napi_ok || type != napi_int32_array ||
      napi_get_typedarray_info(env, argv[2], &not_type, &not_len, &not_data, NULL, NULL) != napi_ok ||
      not_type != napi_int32_array || not_len < 1) {
    napi_throw_type_error(env, NULL, "listPids(root: string, out: Int32Array, notPids: Int32Array)");
    return NULL;
  }
  int32_t *not_pids = not_data;
  not_pids[0] = 0;
  DIR *dir = opendir(root);
  if (dir == NULL) {
    int e = errno;
    napi_throw_error(env, errno_name(e), strerror(e));
    return NULL;
  }
  int32_t *out = data;
  size_t count = 0;
  struct dirent *entry;
  bool full = false;
  while ((entry = readdir(dir)) != NULL) {
    const char *name = entry->d_name;
    if (name[0] < '0' || name[0] > '9') continue;
    int64_t pid = 0;
    size_t len = 0;
    for (; name[len] >= '0' && name[len] <= '9' && len < 8; len++) pid = pid * 10 + (name[len] - '0');
    if (name[len] != '\0' || name[0] == '0' || pid >= PID_LIMIT) {
      not_pids[0]++;
      continue;
    }
    if (count == cap) {
      full = true;
      break;
    }
    out[count++] = (int32_t)pid;
  }
  closedir(dir);
  napi_value result;
  napi_create_double(env, full ? -(double)count - 1 : (double)count, &result);
  return result;
}

/* exitNow(code: number): never returns
 * Ends the process at once, every thread with it (exit_group), without the orderly exit that joins worker threads:
 * a worker blocked in a read that never returns would hold process.exit() for good. Shutdown's last resort. */
static napi_value exit_now(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_int32(env, argv[0], &code);
  _exit(code);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "readStats", NAPI_AUTO_LENGTH, read_stats, NULL, &fn);
  napi_set_named_property(env, exports, "readStats", fn);
  napi_create_function(env, "listPids", NAPI_AUTO_LENGTH, list_pids, NULL, &fn);
  napi_set_named_property(env, exports, "listPids", fn);
  napi_create_function(env, "exitNow", NAPI_AUTO_LENGTH, exit_now, NULL, &fn);
  napi_set_named_property(env, exports, "exitNow", fn);
  register_proc_events(env, exports);
  return exports;
}
