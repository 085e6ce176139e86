/* list.h: the intrusive doubly linked list every backend keeps its live
 * regions in (after BSD <sys/queue.h>'s LIST_*): HEAD is a pointer to the
 * first element, NULL when empty; each element has prev and next pointers of
 * its own type. Both operations are O(1); the caller holds whatever lock
 * guards the list. */
#ifndef REGION_LIST_H
#define REGION_LIST_H

#include <stddef.h>

/* Makes N the first element of the list HEAD. */
#define LIST_PUSH(head, n) do { \
	(n)->prev = NULL; \
	(n)->next = (head); \
	if (head) \
		(head)->prev = (n); \
	(head) = (n); \
} while (0)

/* Takes N, an element of the list HEAD, out of it. */
#define LIST_UNLINK(head, n) do { \
	if ((n)->prev) \
		(n)->prev->next = (n)->next; \
	else \
		(head) = (n)->next; \
	if ((n)->next) \
		(n)->next->prev = (n)->prev; \
} while (0)

#endif
