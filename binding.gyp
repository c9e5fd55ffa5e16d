{
  "targets": [
    {
      "target_name": "stat_batch",
      "sources": ["native/stat-batch.c", "native/proc-events.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
