{
  "targets": [
    {
      "target_name": "stat_batch",
      "sources": ["native/stat-batch.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
