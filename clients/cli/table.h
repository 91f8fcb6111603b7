/*
 * Aligned text tables for people: columns padded to their widest cell as a terminal shows
 * it (UTF-8 aware: umlauts take one column, CJK two, combining marks none), long cells
 * cut with an ellipsis, control characters never reach the terminal.
 */
#ifndef PNET_CLI_TABLE_H
#define PNET_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table;

/* A table with ncols columns named by headers (shown upper-case as given). */
struct table *table_new(size_t ncols, const char *const *headers);

/* Add a row of ncols cells (copied; NULL shows as "-"). */
void table_add(struct table *t, const char *const *cells);

/* Print the header and the rows; columns are separated by two spaces. */
void table_print(const struct table *t, FILE *out);

/* Accepts NULL. */
void table_free(struct table *t);

/* Columns a terminal uses for the UTF-8 text s (invalid bytes count one each). */
size_t table_width(const char *s);

/* The maximum width of a cell; longer cells end in "…". */
#define TABLE_CELL_MAX 48

#endif
