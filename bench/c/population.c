/* A benchmark population: N sleeping processes plus Z zombies under K parents that never reap, all in one new process
 * group. With a churn period P (ms) each parent reaps its zombies and forks fresh ones every P ms, so pids and start
 * times turn over while the counts stay put. Prints "ready <pgid>" once everything exists. When its stdin closes (the
 * benchmark ended or died) it terminates the group and, as a child subreaper, reaps every process and adopted zombie
 * itself before exiting, so nothing is left for a slow PID 1. Usage: population N Z K [P] */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void make_zombies(int n) {
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    if (p < 0) { perror("fork zombie"); return; }
  }
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {}
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: population N Z K [churn_ms]\n"); return 2; }
  long n = atol(argv[1]), z = atol(argv[2]), k = atol(argv[3]), churn = argc > 4 ? atol(argv[4]) : 0;
  setpgid(0, 0);
  pid_t pgid = getpgrp();
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  int ready[2];
  if (pipe(ready) != 0) return 1;
  for (long i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) { close(ready[0]); close(ready[1]); for (;;) pause(); }
    if (p < 0) { perror("fork sleeper"); killpg(pgid, SIGKILL); }
  }
  for (long i = 0; i < k; i++) {
    long mine = z / k + (i < z % k ? 1 : 0);
    pid_t p = fork();
    if (p == 0) {
      close(ready[0]);
      make_zombies(mine);
      if (write(ready[1], "x", 1) != 1) _exit(1);
      close(ready[1]);
      if (churn <= 0) for (;;) pause();
      /* Stagger the parents so churn is spread over the period. */
      sleep_ms((churn * i) / (k > 0 ? k : 1));
      for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        make_zombies(mine);
        sleep_ms(churn);
      }
    }
    if (p < 0) { perror("fork parent"); killpg(pgid, SIGKILL); }
  }
  close(ready[1]);
  char c;
  for (long i = 0; i < k; i++) if (read(ready[0], &c, 1) != 1) break;
  printf("ready %d\n", (int)pgid);
  fflush(stdout);
  while (read(0, &c, 1) > 0) {}
  /* Everyone else in the group dies of SIGTERM (their default action); this process ignores it, set only now so no
   * child inherits the ignore. The parents' zombies are adopted here and reaped with everything else. */
  signal(SIGTERM, SIG_IGN);
  killpg(pgid, SIGTERM);
  while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
  return 0;
}
