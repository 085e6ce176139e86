// shim.cc: the only C++ in regionbench. It hands Google Benchmark the C
// benchmarks of micro.c, passing benchmark::State through as an opaque
// handle, and takes the driver's own options (--policy, --thp, --iterations,
// --limit) before Google Benchmark parses the rest.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
#include "micro.h"
#include "pages.h"
#include "region.h"
}

static benchmark::State *st(struct mb_state *s)
{
	return reinterpret_cast<benchmark::State *>(s);
}

// --iterations=N: every benchmark runs a fixed N operations (rounded up to
// its batch), as scripts/microbench-instructions needs for exact counts.
static int64_t fixed_iterations;

extern "C" void mb_register(const char *name, mb_fn *fn, int64_t arg)
{
	auto *b = benchmark::RegisterBenchmark(name, [fn, arg](benchmark::State &state) {
		fn(reinterpret_cast<struct mb_state *>(&state), arg);
	});
	if (arg >= 0)
		b->Arg(arg);
	if (fixed_iterations > 0)
		b->Iterations(fixed_iterations);
}

extern "C" int mb_batch(struct mb_state *s, int64_t n) { return st(s)->KeepRunningBatch(n); }
extern "C" void mb_error(struct mb_state *s, const char *msg) { st(s)->SkipWithError(msg); }
extern "C" void mb_context(const char *key, const char *value) { benchmark::AddCustomContext(key, value); }

static int usage(const char *prog, const char *what)
{
	std::fprintf(stderr, "%s: %s\n", prog, what);
	std::fprintf(stderr, "usage: %s [--policies] [--policy=NAME] [--thp] [--iterations=N] [--limit=BYTES] [Google Benchmark options]; policies:", prog);
	for (const char *const *p = region_policies(); *p; p++)
		std::fprintf(stderr, " %s", *p);
	std::fprintf(stderr, "\n");
	return 2;
}

int main(int argc, char **argv)
{
	int kept = 1;
	for (int i = 1; i < argc; i++) {
		if (std::strncmp(argv[i], "--policy=", 9) == 0) {
			if (region_policy_set(argv[i] + 9) != 0)
				return usage(argv[0], "unknown policy");
		} else if (std::strcmp(argv[i], "--policies") == 0) {
			for (const char *const *p = region_policies(); *p; p++)
				std::printf("%s\n", *p);   // the default first
			return 0;
		} else if (std::strncmp(argv[i], "--iterations=", 13) == 0) {
			char *end;
			fixed_iterations = std::strtoll(argv[i] + 13, &end, 10);
			if (*end || fixed_iterations <= 0)
				return usage(argv[0], "--iterations wants a positive number");
		} else if (std::strncmp(argv[i], "--limit=", 8) == 0) {
			// Caps the backend's pool or reservation (region_limit_set), as
			// under valgrind, which cannot reserve 1 TiB; no cap where the
			// backend has none.
			char *end;
			long long bytes = std::strtoll(argv[i] + 8, &end, 10);
			int err = *end || bytes <= 0 ? REGION_EINVAL : region_limit_set((uint64_t)bytes);
			if (err && err != REGION_ENOTSUP)
				return usage(argv[0], "--limit wants a byte count the backend accepts");
		} else if (std::strcmp(argv[i], "--thp") == 0) {
			pages_set_hugepages(1);
		} else {
			argv[kept++] = argv[i];
		}
	}
	argc = kept;
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	mb_context("backend", region_backend());
	mb_context("policy", region_policy());
	mb_context("thp", pages_hugepages() ? "on" : "off");
	mb_context("ref_bits", REGION_REF_BITS == 32 ? "32" : "64");
	mb_context("region_debug", REGION_DEBUG ? "on (not a result)" : "off");
	mb_register_all();
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
