/* region_error.c: the words for region.h's error codes, shared by every
 * backend so a limit reads the same whichever backend hit it. */
#include "region.h"

const char *region_strerror(int err)
{
	switch (err) {
	case REGION_OK: return "no error";
	case REGION_EINVAL: return "invalid argument";
	case REGION_ENOMEM: return "the operating system refused memory";
	case REGION_EPOOL: return "the shared block pool is exhausted";
	case REGION_ESPACE: return "no address space is left for another region reservation";
	case REGION_EREGION: return "the allocation does not fit in one region's reservation";
	case REGION_ELIMIT: return "the library's limit on regions was reached";
	case REGION_ENOTSUP: return "the backend does not support this operation";
	}
	return "unknown error";
}
