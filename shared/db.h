/*
 * db.h - sqlite helpers: WAL, schema migrations, transactions.
 *
 * A service's schema is an array of SQL scripts; script i moves the
 * database from user_version i to i + 1.  db_open() applies the missing
 * ones, each in its own transaction, and refuses a database newer than
 * the program.
 */
#ifndef SACM_DB_H
#define SACM_DB_H

#include <stddef.h>
#include <sqlite3.h>

/*
 * Opens (creating) path with WAL, foreign keys and a busy timeout, and
 * migrates it.  Returns 0, -EIO (sqlite error), -EPROTO (the file's schema
 * is newer than this program's).  err gets the reason.
 */
int	db_open(const char *path, const char *const *migrations, size_t n,
	    sqlite3 **dbp, char *err, size_t errlen);
void	db_close(sqlite3 *);
/* Runs SQL without results.  0 or -EIO. */
int	db_exec(sqlite3 *, const char *sql);
/* BEGIN IMMEDIATE; inside a batch, a savepoint (db.c). */
int	db_begin(sqlite3 *);
int	db_commit(sqlite3 *);
void	db_rollback(sqlite3 *);
/* A transaction the db_begin() of others nest in, ended by db_commit()
 * or db_rollback() with none of theirs open.  0, or -EIO (one is open
 * already, or sqlite refused). */
int	db_batch_begin(sqlite3 *);
/* Prepares sql (logging sqlite's reason on failure).  0 or -EIO. */
int	db_prep(sqlite3 *, const char *sql, sqlite3_stmt **);
/*
 * The same for a statement run many times (once per rule of every
 * result): prepared once per connection and kept.  sql must be a string
 * literal (it is known by its address).  Ended with db_finish(), never
 * sqlite3_finalize(); a statement asked for while its kept one is in use
 * is prepared afresh.  db_close() finalizes the connection's.
 */
int	db_prep_hot(sqlite3 *, const char *sql, sqlite3_stmt **);
/* Ends any statement: a kept one is reset (bindings cleared) for the
 * next db_prep_hot(), any other finalized.  NULL is ignored. */
void	db_finish(sqlite3_stmt *);
/* Binds text, or NULL when v is NULL. */
void	db_bind_text(sqlite3_stmt *, int i, const char *v);
/* Binds n texts (NULL ones as NULL) from parameter first on. */
void	db_bind_texts_(sqlite3_stmt *, int first, int n, ...);
/* n must be the number of texts given: a count that is not fails to
 * compile (a va_arg past the last one read garbage, once). */
#define db_bind_texts(st, first, n, ...)				\
	db_bind_texts_((st), (first), (n) + 0 * (int)sizeof(char[	\
	    (n) == sizeof((const char *[]){ __VA_ARGS__ }) /		\
	    sizeof(const char *) ? 1 : -1]), __VA_ARGS__)
/* A column's text as a copy to free, or NULL. */
char	*db_column_dup(sqlite3_stmt *, int i);
/* Copies n columns from column first on into the char ** that follow
 * (each a copy to free, or NULL).  0, or -ENOMEM (the copies made are
 * left for the caller to free).  n is checked like db_bind_texts'. */
int	db_columns_dup_(sqlite3_stmt *, int first, int n, ...);
#define db_columns_dup(st, first, n, ...)				\
	db_columns_dup_((st), (first), (n) + 0 * (int)sizeof(char[	\
	    (n) == sizeof((char **[]){ __VA_ARGS__ }) /			\
	    sizeof(char **) ? 1 : -1]), __VA_ARGS__)
/* The single integer sql selects (a count), with n text parameters;
 * 0 when there is no row, -EIO on an sqlite error. */
long	db_count(sqlite3 *, const char *sql, int n, ...);
struct buf;
/* Appends  name='column i'  (escaped) when the column is not NULL. */
int	db_column_attr(struct buf *, const char *name, sqlite3_stmt *, int i);
/* The same for the first n columns of a row, named by names[] (a NULL
 * name skips its column). */
int	db_row_attrs(struct buf *, sqlite3_stmt *, const char *const *names,
	    int n);
/* The schema version (PRAGMA user_version), or -EIO. */
int	db_version(sqlite3 *);

#endif
