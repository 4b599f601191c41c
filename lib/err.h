/*
 * err: the error every layer fills and passes up (curl's failf, tmux's cause).
 *
 * Library code never prints the final error and never exits: it fills a
 * struct err and returns a negative code (-code).  Each layer adds its
 * context in front with err_prefix(), so main.c prints one line such as
 *   deploy 'production': step 'migrate': 20250712_billing.up.sql:14: ...
 * The message is redacted (secrets shown as ***) when it is printed or stored.
 */
#ifndef SC_ERR_H
#define SC_ERR_H

/* exit codes of SPEC section 1 */
enum sc_exit {
	SC_OK = 0,
	SC_EFAIL = 1,        /* failed and rolled back (diff/lint: findings) */
	SC_EUSAGE = 2,       /* usage, config or validation error: nothing changed */
	SC_EROLLBACK = 3,    /* failed and the rollback did not complete */
	SC_ELOCKED = 4,      /* another run holds the lock */
	SC_EAPPROVAL = 5,    /* approval or promotion precondition missing */
	SC_EUNREACHABLE = 6, /* a target is unreachable before anything changed */
	SC_EPAUSED = 7,      /* paused at a checkpoint nobody gave yet; lock released */
};

struct err {
	int code;          /* one of enum sc_exit, 0 when no error */
	char msg[4096];
};

#define ERR_INIT { 0, "" }

/* Set code and message; returns -code (so: return err_set(e, ...)). */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Put "context: " in front of the message; returns -e->code. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);

#endif
