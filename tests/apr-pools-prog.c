/* apr-pools-prog.c: the pool program tests/apr-recorder.sh records.
 *
 * Without arguments, its pool calls are those whose events the test lists
 * (P0..P7 in creation order). "init-only" only initialises and terminates
 * APR, so the test can tell the pools APR makes for itself from the
 * program's own. "threads" runs THREADS threads that each allocate
 * ROUNDS * 10 times 777 bytes, then forks a child that allocates 100 times
 * 555 bytes in a pool it inherited and 100 times in one of its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

/* libapr exports apr_pcalloc, but apr_pools.h declares only the macro. */
void *(apr_pcalloc)(apr_pool_t *pool, apr_size_t size);

static int fails;

static void check(apr_status_t st, const char *what)
{
	if (st != APR_SUCCESS) {
		fprintf(stderr, "apr-pools-prog: %s failed (status %d)\n", what, st);
		fails++;
	}
}

enum { THREADS = 4, ROUNDS = 1000 };

static void *worker(void *arg)
{
	apr_pool_t *top, *p;
	if (apr_pool_create(&top, NULL) != APR_SUCCESS)
		return "create";
	for (int i = 0; i < ROUNDS; i++) {
		if (apr_pool_create(&p, top) != APR_SUCCESS)
			return "create";
		for (int k = 0; k < 10; k++) {
			apr_palloc(p, 777);
			if (k == 4 && i % 2)
				apr_pool_clear(p);
		}
		apr_pool_destroy(p);
	}
	apr_pool_destroy(top);
	return NULL;
}

static int threads(void)
{
	pthread_t t[THREADS];
	apr_pool_t *kept, *own;
	check(apr_pool_create(&kept, NULL), "create kept");
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, NULL)) {
			fprintf(stderr, "apr-pools-prog: pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < THREADS; i++) {
		void *err;
		pthread_join(t[i], &err);
		if (err)
			check(1, err);
	}
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < 100; i++)
			apr_palloc(kept, 555);    /* a pool the child inherited */
		check(apr_pool_create(&own, kept), "create own");
		for (int i = 0; i < 100; i++)
			apr_palloc(own, 555);
		apr_pool_destroy(kept);
		apr_terminate();
		exit(fails != 0);
	}
	int st = 0;
	if (c < 0 || waitpid(c, &st, 0) != c || st != 0)
		fails++;
	apr_pool_destroy(kept);
	apr_terminate();
	return fails != 0;
}

int main(int argc, char **argv)
{
	check(apr_initialize(), "apr_initialize");
	if (argc > 1 && strcmp(argv[1], "init-only") == 0) {
		apr_terminate();
		return fails != 0;
	}
	if (argc > 1 && strcmp(argv[1], "threads") == 0)
		return threads();
	apr_pool_t *a, *b, *c, *b2, *c2, *e, *f, *u;
	check(apr_pool_create(&a, NULL), "create P0");       /* a > b > c: three deep */
	check(apr_pool_create(&b, a), "create P1");
	check(apr_pool_create(&c, b), "create P2");
	apr_palloc(a, 100);
	apr_pcalloc(b, 200);                                 /* the macro: apr_palloc + memset */
	(apr_pcalloc)(b, 300);                               /* the function: recorded once */
	apr_pstrdup(c, "region");                            /* inside libapr: 7 bytes */
	apr_palloc(c, 0);                                    /* recorded as 1 byte */
	check(apr_pool_create(&b2, a), "create P3");         /* a's newer child */
	check(apr_pool_create(&c2, b2), "create P4");
	apr_palloc(c2, 4096);
	apr_pool_clear(a);                                   /* destroys P4, P3, P2, P1 */
	apr_palloc(a, 50);
	check(apr_pool_create(&e, a), "create P5");
	check(apr_pool_create(&f, e), "create P6");
	apr_palloc(f, 8);
	apr_pool_destroy(a);                                 /* with live children P5, P6 */
	check(apr_pool_create_unmanaged_ex(&u, NULL, NULL), "create P7");
	apr_palloc(u, 64);                                   /* u outlives apr_terminate */
	apr_terminate();
	return fails != 0;
}
