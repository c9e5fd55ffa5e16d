/* The kernel's proc connector (netlink NETLINK_CONNECTOR, group CN_IDX_PROC): one event for every fork, exec and exit
 * on the host, each with the monotonic time it happened. The sample worker drains it between samples so that a
 * sample need read only the stat files of processes that exited and of the zombies it already knows, not every
 * process's (src/procfs/proc-events.ts). Like stat-batch.c it decides nothing: it copies each event into a fixed
 * record in a buffer the caller owns and reports loss, which the caller answers with a full walk.
 *
 * Loss is counted two ways. recv() failing with ENOBUFS says the socket's buffer overflowed and the kernel dropped
 * messages. And every event carries its CPU and that CPU's sequence number, which the kernel increments for each
 * event it sends (to every listener alike), so a gap in one CPU's numbers is the exact count of events lost. */
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <node_api.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proc-events.h"

/* Each record, 48 bytes, little-endian as the host: u32 what (the kernel's PROC_EVENT_* code), u32 cpu, u32 that
 * CPU's sequence number, i32 pid, i32 tgid, i32 parent pid, i32 parent tgid, u32 exit code (wait status), u32 exit
 * signal, 4 bytes unused, f64 timestamp in ms of CLOCK_MONOTONIC. For a fork, pid/tgid are the child's; for other
 * kinds (exec, comm, uid...) the pids are zero: only their number and time are kept. */
#define RECORD_BYTES 48
/* CPUs whose sequence numbers are followed; an event from a CPU beyond it is never counted as a gap. */
#define MAX_CPUS 4096
#define RECV_BYTES 65536

struct listener {
  int fd;
  uint32_t seq[MAX_CPUS];
  uint8_t seen[MAX_CPUS];
};

static const char *errno_code(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    default: return "EIO";
  }
}

static napi_value throw_errno(napi_env env, int e, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), message);
  return NULL;
}

static int send_op(int fd, enum proc_cn_mcast_op op) {
  /* The 4-byte form of the request: kernels before 6.6 take no other, later ones take it too (no event filter). */
  char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))] __attribute__((aligned(NLMSG_ALIGNTO)));
  memset(buf, 0, sizeof buf);
  struct nlmsghdr *nl = (struct nlmsghdr *)buf;
  nl->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op));
  nl->nlmsg_type = NLMSG_DONE;
  nl->nlmsg_pid = 0;
  struct cn_msg *cn = NLMSG_DATA(nl);
  cn->id.idx = CN_IDX_PROC;
  cn->id.val = CN_VAL_PROC;
  cn->seq = 0;
  /* The answer's ack is ours plus one: this process's pid, so another listener's answer is not taken for ours. */
  cn->ack = (uint32_t)getpid();
  cn->len = sizeof(op);
  memcpy(cn->data, &op, sizeof(op));
  return send(fd, buf, nl->nlmsg_len, 0) < 0 ? -errno : 0;
}

/* Waits up to timeout_ms for the kernel's answer to LISTEN: a PROC_EVENT_NONE with the request's ack plus one, whose
 * err is 0, or the errno it refused with. Events before it are dropped: the full walk that follows the
 * subscription sees what they said. */
static int await_ack(int fd, int timeout_ms) {
  char buf[RECV_BYTES] __attribute__((aligned(8)));
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
    if (left <= 0) return -ETIMEDOUT;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, left);
    if (r < 0 && errno != EINTR) return -errno;
    if (r <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS) continue;
      return -errno;
    }
    for (struct nlmsghdr *nl = (struct nlmsghdr *)buf; NLMSG_OK(nl, (size_t)n); nl = NLMSG_NEXT(nl, n)) {
      struct cn_msg *cn = NLMSG_DATA(nl);
      if (cn->id.idx != CN_IDX_PROC || cn->len < sizeof(struct proc_event)) continue;
      struct proc_event *ev = (struct proc_event *)cn->data;
      if (ev->what == PROC_EVENT_NONE && cn->ack == (uint32_t)getpid() + 1) return -(int)ev->event_data.ack.err;
    }
  }
}

static void finalize_listener(napi_env env, void *data, void *hint) {
  struct listener *l = data;
  if (l->fd >= 0) close(l->fd);
  free(l);
}

/* procEventsOpen(receiveBufferBytes: number): external
 * Subscribes to the proc connector and waits (up to 1 s) for the kernel to confirm. Throws with an errno `code` when
 * the kernel refuses: EPROTONOSUPPORT without the connector, EPERM without the right (before about 6.6, or outside
 * the host's network namespace), ETIMEDOUT when no answer comes. */
static napi_value open_events(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t rcvbuf = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int64(env, argv[0], &rcvbuf) != napi_ok || rcvbuf < 0 || rcvbuf > (1 << 30)) {
    napi_throw_type_error(env, NULL, "procEventsOpen(receiveBufferBytes: number)");
    return NULL;
  }
  int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) return throw_errno(env, errno, "socket(NETLINK_CONNECTOR)");
  if (rcvbuf > 0) {
    int size = (int)rcvbuf;
    /* FORCE passes rmem_max with CAP_NET_ADMIN; without it the plain option, capped at rmem_max. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "bind(CN_IDX_PROC)");
  }
  int err = send_op(fd, PROC_CN_MCAST_LISTEN);
  if (err == 0) err = await_ack(fd, 1000);
  if (err != 0) {
    close(fd);
    return throw_errno(env, -err, "PROC_CN_MCAST_LISTEN");
  }
  struct listener *l = calloc(1, sizeof *l);
  if (l == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "procEventsOpen");
  }
  l->fd = fd;
  napi_value handle;
  if (napi_create_external(env, l, finalize_listener, NULL, &handle) != napi_ok) {
    close(fd);
    free(l);
    return NULL;
  }
  return handle;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_i32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }

/* procEventsRead(handle, out: Buffer, counts: Float64Array): number
 * Reads what the socket holds, without waiting, writing a record per event until `out` has no room for the messages
 * of another recv. Returns the records written. Adds to counts: [1] events lost by sequence gaps, [2] recv()s that
 * failed with ENOBUFS; sets [3] to 1 when it stopped with `out` full (call again), else 0. [0] is unused. */
static napi_value read_events(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  struct listener *l = NULL;
  bool is_buffer = false;
  uint8_t *out = NULL;
  size_t cap = 0;
  napi_typedarray_type type;
  size_t ncounts = 0;
  void *counts_data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_external(env, argv[0], (void **)&l) != napi_ok || l == NULL ||
      napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], (void **)&out, &cap) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &ncounts, &counts_data, NULL, NULL) != napi_ok ||
      type != napi_float64_array || ncounts < 4) {
    napi_throw_type_error(env, NULL, "procEventsRead(handle, out: Buffer, counts: Float64Array(4))");
    return NULL;
  }
  if (l->fd < 0) {
    napi_throw_error(env, "EBADF", "proc events listener closed");
    return NULL;
  }
  double *counts = counts_data;
  counts[3] = 0;
  /* One recv can hold at most RECV_BYTES / (netlink + connector header + event) events, each one record. */
  const size_t per_recv = RECV_BYTES / NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(struct proc_event)) + 1;
  char buf[RECV_BYTES] __attribute__((aligned(8)));
  size_t records = 0;
  for (;;) {
    if ((records + per_recv) * RECORD_BYTES > cap) {
      counts[3] = 1;
      break;
    }
    ssize_t n = recv(l->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        counts[2] += 1;
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return throw_errno(env, errno, "recv(proc events)");
    }
    for (struct nlmsghdr *nl = (struct nlmsghdr *)buf; NLMSG_OK(nl, (size_t)n); nl = NLMSG_NEXT(nl, n)) {
      if (nl->nlmsg_type == NLMSG_ERROR || nl->nlmsg_type == NLMSG_NOOP) continue;
      struct cn_msg *cn = NLMSG_DATA(nl);
      if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC || cn->len < sizeof(struct proc_event)) continue;
      struct proc_event *ev = (struct proc_event *)cn->data;
      /* The kernel's answers to LISTEN and IGNORE (PROC_EVENT_NONE, anyone's: they are multicast) take a number from
       * the CPU's sequence too on current kernels (older ones sent them with cpu -1, which no CPU's sequence
       * follows); they get a record like any other kind, so a count of what was received is complete. */
      if (ev->cpu < MAX_CPUS) {
        if (l->seen[ev->cpu]) {
          uint32_t gap = cn->seq - l->seq[ev->cpu] - 1;
          /* A number at or behind the last one (a wrap, or out of order) is not a gap. */
          if (gap < 0x80000000u) counts[1] += gap;
        }
        l->seen[ev->cpu] = 1;
        l->seq[ev->cpu] = cn->seq;
      }
      uint8_t *r = out + records * RECORD_BYTES;
      memset(r, 0, RECORD_BYTES);
      put_u32(r, ev->what);
      put_u32(r + 4, ev->cpu);
      put_u32(r + 8, cn->seq);
      if (ev->what == PROC_EVENT_FORK) {
        put_i32(r + 12, ev->event_data.fork.child_pid);
        put_i32(r + 16, ev->event_data.fork.child_tgid);
        put_i32(r + 20, ev->event_data.fork.parent_pid);
        put_i32(r + 24, ev->event_data.fork.parent_tgid);
      } else if (ev->what == PROC_EVENT_EXIT) {
        put_i32(r + 12, ev->event_data.exit.process_pid);
        put_i32(r + 16, ev->event_data.exit.process_tgid);
        /* The parent's pid and tgid: zero on kernels before they were added to the event (4.18). */
        put_i32(r + 20, ev->event_data.exit.parent_pid);
        put_i32(r + 24, ev->event_data.exit.parent_tgid);
        put_u32(r + 28, ev->event_data.exit.exit_code);
        put_u32(r + 32, ev->event_data.exit.exit_signal);
      }
      double ms = (double)ev->timestamp_ns / 1e6;
      memcpy(r + 40, &ms, 8);
      records++;
    }
  }
  napi_value result;
  napi_create_double(env, (double)records, &result);
  return result;
}

/* procEventsClose(handle): unsubscribes and closes the socket; later reads throw EBADF. */
static napi_value close_events(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  struct listener *l = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&l) != napi_ok || l == NULL) {
    napi_throw_type_error(env, NULL, "procEventsClose(handle)");
    return NULL;
  }
  if (l->fd >= 0) {
    send_op(l->fd, PROC_CN_MCAST_IGNORE);
    close(l->fd);
    l->fd = -1;
  }
  return NULL;
}

void register_proc_events(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "procEventsOpen", NAPI_AUTO_LENGTH, open_events, NULL, &fn);
  napi_set_named_property(env, exports, "procEventsOpen", fn);
  napi_create_function(env, "procEventsRead", NAPI_AUTO_LENGTH, read_events, NULL, &fn);
  napi_set_named_property(env, exports, "procEventsRead", fn);
  napi_create_function(env, "procEventsClose", NAPI_AUTO_LENGTH, close_events, NULL, &fn);
  napi_set_named_property(env, exports, "procEventsClose", fn);
}
