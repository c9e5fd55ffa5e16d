/* Soak churn generator, meant to run as PID 1 of its own PID namespace (unshare --pid --fork --mount-proc), so the
 * exporter it starts sees no zombie but the ones counted here.
 *
 * Usage: churn PARENTS HOLD_MIN_MS HOLD_MAX_MS SPAWNERS -- EXPORTER_ARGV...
 *
 * It starts the exporter, then waits for commands on stdin, one per line:
 *   go     start churning: PARENTS processes each fork 1-3 children that exit at once, confirm each is a zombie
 *          (waitid WNOWAIT), keep them HOLD_MIN..HOLD_MAX ms, reap them, and go again; SPAWNERS processes with
 *          SIGCHLD ignored fork short-lived children that the kernel reaps itself (pid turnover, never a zombie).
 *   stop   stop churning: every parent reaps what it holds and idles; prints "stopped generated=N reaped=N".
 *   stat   prints "stat generated=N reaped=N".
 *   quit (or end of input)  terminates the exporter and everything else, then exits.
 * Counts live in shared memory: generated counts zombies confirmed, reaped counts zombies waited for. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared { long generated, reaped; int stop; long done; };
static struct shared *sh;

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* A worker that exited would be a zombie of PID 1 for a moment, seen and counted by the exporter: workers stay
 * alive, idle, until quit kills them, so every zombie in the namespace is one this program counted. */
static void finish(void) {
  __atomic_add_fetch(&sh->done, 1, __ATOMIC_SEQ_CST);
  for (;;) pause();
}

static void zombie_parent(long hold_min, long hold_max, unsigned seed) {
  prctl(PR_SET_NAME, "soak-parent", 0, 0, 0);
  srand(seed);
  while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
    pid_t kids[3];
    int n = 1 + rand() % 3;
    for (int i = 0; i < n; i++) {
      kids[i] = fork();
      if (kids[i] == 0) _exit(0);
      if (kids[i] < 0) { perror("fork"); _exit(1); }
    }
    for (int i = 0; i < n; i++) {
      siginfo_t si;
      /* Returns once the child has exited and not been reaped: a zombie, from now until waitpid below. */
      while (waitid(P_PID, kids[i], &si, WEXITED | WNOWAIT) != 0 && errno == EINTR) {}
      __atomic_add_fetch(&sh->generated, 1, __ATOMIC_SEQ_CST);
    }
    sleep_ms(hold_min + rand() % (hold_max - hold_min + 1));
    for (int i = 0; i < n; i++) {
      while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR) {}
      __atomic_add_fetch(&sh->reaped, 1, __ATOMIC_SEQ_CST);
    }
    sleep_ms(rand() % 50);
  }
  finish();
}

static void spawner(unsigned seed) {
  prctl(PR_SET_NAME, "soak-spawner", 0, 0, 0);
  /* Ignored SIGCHLD: children are released at exit and never become zombies. */
  signal(SIGCHLD, SIG_IGN);
  srand(seed);
  while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
    pid_t p = fork();
    if (p == 0) { sleep_ms(rand() % 40); _exit(0); }
    sleep_ms(5 + rand() % 10);
  }
  /* With SIGCHLD ignored, wait() returns only once every child has exited (and was released): none is left to be
   * reparented to PID 1, where it would become a zombie. */
  while (wait(NULL) > 0 || errno == EINTR) {}
  finish();
}

int main(int argc, char **argv) {
  if (argc < 7 || strcmp(argv[5], "--") != 0) {
    fprintf(stderr, "usage: churn PARENTS HOLD_MIN_MS HOLD_MAX_MS SPAWNERS -- EXPORTER_ARGV...\n");
    return 2;
  }
  long parents = atol(argv[1]), hold_min = atol(argv[2]), hold_max = atol(argv[3]), spawners = atol(argv[4]);
  if (parents < 1 || hold_min < 1 || hold_max < hold_min || spawners < 0) { fprintf(stderr, "churn: bad numbers\n"); return 2; }
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) { perror("mmap"); return 1; }
  setvbuf(stdout, NULL, _IOLBF, 0);

  pid_t exporter = fork();
  if (exporter == 0) { execvp(argv[6], argv + 6); perror("exec exporter"); _exit(127); }
  pid_t *kids = calloc((size_t)(parents + spawners), sizeof(pid_t));
  long nkids = 0;
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "go", 2) == 0 && nkids == 0) {
      for (long i = 0; i < parents + spawners; i++) {
        pid_t p = fork();
        if (p == 0) { if (i < parents) zombie_parent(hold_min, hold_max, (unsigned)(i + 1)); else spawner((unsigned)(i + 1000)); }
        kids[nkids++] = p;
      }
      printf("going\n");
    } else if (strncmp(line, "stop", 4) == 0) {
      __atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
      while (__atomic_load_n(&sh->done, __ATOMIC_SEQ_CST) < nkids) sleep_ms(10);
      printf("stopped generated=%ld reaped=%ld\n", sh->generated, sh->reaped);
    } else if (strncmp(line, "stat", 4) == 0) {
      printf("stat generated=%ld reaped=%ld\n", sh->generated, sh->reaped);
    } else if (strncmp(line, "quit", 4) == 0) {
      break;
    }
  }
  __atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
  kill(exporter, SIGTERM);
  for (long i = 0; i < nkids; i++) kill(kids[i], SIGKILL);
  /* Exiting as PID 1 kills whatever is left in the namespace; reap what we can first so exit codes are seen. */
  int status;
  pid_t p;
  while ((p = waitpid(-1, &status, 0)) > 0 || errno == EINTR) {
    if (p == exporter) printf("exporter exited %s %d\n", WIFSIGNALED(status) ? "signal" : "code", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  }
  return 0;
}
