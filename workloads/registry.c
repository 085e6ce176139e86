/* registry.c: every workload the driver knows, in the order `list` shows
 * them. To add one, define `const struct workload wl_<name>` in its own
 * file under workloads/ and list it here; the Makefile picks up the file. */
#include "workload.h"

extern const struct workload wl_binary_trees, wl_request_server, wl_long_running,
	wl_large_objects, wl_pointer_chase, wl_fragmentation, wl_syscall_wrappers;
extern const struct workload wl_capacity, wl_serialize, wl_fork_share, wl_replay;

const struct workload *const wl_registry[] = {
	&wl_binary_trees,
	&wl_request_server,
	&wl_long_running,
	&wl_large_objects,
	&wl_pointer_chase,
	&wl_fragmentation,
	&wl_syscall_wrappers,
	&wl_capacity,
	&wl_serialize,
	&wl_fork_share,
	&wl_replay,
	NULL,
};
