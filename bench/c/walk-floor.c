/* The floor for a procfs walk: opendir/readdir of the proc root, then open/read/close of every <pid>/stat, nothing
 * else. Whatever the exporter costs beyond this is its own overhead. Prints per-walk wall and CPU microseconds. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double user_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec;
}

static double sys_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : "/proc";
  int walks = argc > 2 ? atoi(argv[2]) : 10;
  char path[512], buf[4096];
  long files = 0;
  double wall0 = now_us(), user0 = user_us(), sys0 = sys_us();
  for (int w = 0; w < walks; w++) {
    DIR *d = opendir(root);
    if (!d) { perror(root); return 1; }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      snprintf(path, sizeof path, "%s/%s/stat", root, e->d_name);
      int fd = open(path, O_RDONLY);
      if (fd < 0) continue;
      if (read(fd, buf, sizeof buf) > 0) files++;
      close(fd);
    }
    closedir(d);
  }
  double wall = (now_us() - wall0) / walks, user = (user_us() - user0) / walks, sys = (sys_us() - sys0) / walks;
  printf("{\"walks\":%d,\"files_per_walk\":%ld,\"wall_us\":%.0f,\"cpu_us\":%.0f,\"user_us\":%.0f,\"sys_us\":%.0f}\n",
         walks, files / walks, wall, user + sys, user, sys);
  return 0;
}
