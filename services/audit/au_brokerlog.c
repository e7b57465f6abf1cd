/*
 * au_brokerlog.c - the broker's own denials, in the audit trail.
 *
 * What the broker refuses never reaches a topic: a login with a wrong
 * password or a revoked account, a publish or a read the affiliations
 * forbid.  The brokers say so in their logs, and the audit service
 * follows that log (the `broker_log` setting) and records each denial:
 * topic "broker", action "denied", the account the line names as
 * publisher, what was denied as item ("login", "publish on sacm/policy")
 * and the sha256 of the line as digest, so the record can be matched with
 * the broker's log line by line.
 *
 * The lines it knows (everything else in the log is skipped):
 *   ejabberd   ... Failed c2s SCRAM-SHA-256 authentication for a@d from
 *              127.0.0.1: Invalid username or password
 *              ... Forbidden c2s session for a@d/resource
 *   Prosody    ... denied: login by a@d (not-authorized)
 *              ... denied: publish on sacm/policy by a@d (forbidden)
 *              (the lab's modules write these: services/lab/prosody/)
 *
 * The log is a file another program writes, read as hostile: a line is
 * at most LINE_MAX bytes (longer ones are cut there), a name is kept
 * only when it is a plain JID, what was denied only when it is printable
 * ASCII.  Where the log was read up to (its inode and offset) is kept in
 * the database, so a restart neither loses nor repeats a denial; a log
 * rotated or truncated is read again from its start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "au.h"
#include "blob.h"
#include "db.h"
#include "log.h"

#define LINE_MAX_LEN	4096
#define READ_MAX	(256 * 1024)	/* per turn of the loop */

/* A bare JID of plain letters, digits and ".-_" (local part optional):
 * what the grid's accounts look like; anything else is not recorded. */
static int
jid_plain(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n == 0 || n > 255 || (at && (at == s || at[1] == '\0')))
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p == '@' && p == at)
			continue;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return 0;
	}
	return 1;
}

/* Copies the JID that starts at s (up to a space, '/', ':' or ')'),
 * bare, into out when it is a plain JID; else out is "". */
static void
take_jid(const char *s, char *out, size_t outlen)
{
	size_t n = strcspn(s, " /:)\t");

	out[0] = '\0';
	if (n == 0 || n >= outlen)
		return;
	memcpy(out, s, n);
	out[n] = '\0';
	if (!jid_plain(out))
		out[0] = '\0';
}

/* Copies s[0..n) into out when every byte is printable ASCII. */
static void
take_text(const char *s, size_t n, char *out, size_t outlen)
{
	out[0] = '\0';
	if (n == 0 || n >= outlen)
		return;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return;
	memcpy(out, s, n);
	out[n] = '\0';
}

int
au_denial(const char *line, char *what, size_t whatlen, char *account,
    size_t acclen)
{
	const char *p, *q, *by;

	what[0] = account[0] = '\0';
	if ((p = strstr(line, "Failed c2s ")) != NULL &&
	    strstr(p, " authentication") != NULL) {
		snprintf(what, whatlen, "login");
		if ((p = strstr(p, " authentication for ")) != NULL)
			take_jid(p + strlen(" authentication for "), account,
			    acclen);
		return 1;
	}
	if ((p = strstr(line, "Forbidden c2s session for ")) != NULL) {
		snprintf(what, whatlen, "login");
		take_jid(p + strlen("Forbidden c2s session for "), account,
		    acclen);
		return 1;
	}
	if ((p = strstr(line, "\tdenied: ")) != NULL) {
		p += strlen("\tdenied: ");
		/* The account is the last " by ": what comes before it may
		 * hold a name from the wire. */
		for (by = NULL; (q = strstr(by ? by + 1 : p, " by ")) != NULL;)
			by = q;
		if (by == NULL)
			return 0;
		take_text(p, (size_t)(by - p), what, whatlen);
		if (what[0] == '\0')
			return 0;
		take_jid(by + strlen(" by "), account, acclen);
		return 1;
	}
	return 0;
}

/* Where the log was read up to, from the database. */
static void
position_load(struct au *a)
{
	sqlite3_stmt *st;

	a->log_ino = 0;
	a->log_off = 0;
	if (db_prep(a->db, "SELECT ino, off FROM follow WHERE path = ?",
	    &st) < 0)
		return;
	sqlite3_bind_text(st, 1, a->conf.broker_log, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		a->log_ino = sqlite3_column_int64(st, 0);
		a->log_off = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
}

static int
position_save(struct au *a)
{
	sqlite3_stmt *st;
	int ok;

	if (db_prep(a->db, "INSERT INTO follow (path, ino, off) "
	    "VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
	    "ino = excluded.ino, off = excluded.off", &st) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, a->conf.broker_log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->log_ino);
	sqlite3_bind_int64(st, 3, a->log_off);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? 0 : -EIO;
}

/* One line of the log: a record when it is a denial; -1 when the record
 * could not be written (the line is read again next time). */
static int
one_line(struct au *a, const char *line, size_t len)
{
	char what[128], account[512], digest[65];

	if (!au_denial(line, what, sizeof(what), account, sizeof(account)))
		return 0;
	blob_sha256_hex((const unsigned char *)line, len, digest);
	if (au_append(a, "broker", what, "denied", account, digest) < 0) {
		a->failed++;
		log_warnx("broker denial of %s to %s: not recorded (database)",
		    what, account[0] ? account : "?");
		return -1;
	}
	a->recorded++;
	a->denials++;
	log_info("broker denied %s to %s", what, account[0] ? account : "?");
	return 0;
}

void
au_brokerlog_poll(struct au *a)
{
	static char buf[READ_MAX + 1];
	struct timespec now;
	struct stat sb;
	ssize_t n;
	size_t start, i;
	int fd;

	if (a->conf.broker_log == NULL || a->db == NULL)
		return;
	/* Once a second at most, however busy the grid keeps the loop. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (a->log_polled && now.tv_sec == a->log_polled)
		return;
	a->log_polled = now.tv_sec;
	if (!a->log_loaded) {
		position_load(a);
		a->log_loaded = 1;
	}
	if ((fd = open(a->conf.broker_log, O_RDONLY | O_CLOEXEC |
	    O_NONBLOCK)) < 0) {
		if (!a->log_missing)
			log_warnx("broker log %s: %s (denials are recorded "
			    "once it can be read)", a->conf.broker_log,
			    strerror(errno));
		a->log_missing = 1;
		return;
	}
	if (a->log_missing)
		log_info("broker log %s: reading it", a->conf.broker_log);
	a->log_missing = 0;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return;
	}
	/* Rotated (another file) or truncated: from its start. */
	if ((long long)sb.st_ino != a->log_ino || sb.st_size < a->log_off) {
		a->log_ino = (long long)sb.st_ino;
		a->log_off = 0;
	}
	if (sb.st_size == a->log_off) {
		close(fd);
		return;
	}
	n = pread(fd, buf, READ_MAX, (off_t)a->log_off);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (start = 0, i = 0; i < (size_t)n; i++) {
		if (buf[i] != '\n' && i - start < LINE_MAX_LEN)
			continue;
		/* A line too long is cut at LINE_MAX_LEN; the rest is read as
		 * a line of its own, which no pattern starts with. */
		buf[i] = '\0';
		if (one_line(a, buf + start, i - start) < 0)
			break;
		start = i + 1;
	}
	/* A line still being written (no newline yet) is read next time. */
	a->log_off += (long long)start;
	if (position_save(a) < 0)
		log_warnx("broker log %s: cannot save the position",
		    a->conf.broker_log);
}
