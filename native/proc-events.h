/* The proc connector's functions (proc-events.c), added to the addon's exports by stat-batch.c's module init. */
#ifndef ZOMBIE_EXPORTER_PROC_EVENTS_H
#define ZOMBIE_EXPORTER_PROC_EVENTS_H
#include <node_api.h>
void register_proc_events(napi_env env, napi_value exports);
#endif
