/*
 * Randomized model test of the ledger (src/core/ledger.c).
 *
 * A small in-memory model of ledger.h's contract — accounts with their four
 * sums and limit flags, every remembered transfer, pending states — is run
 * side by side with the real ledger on a SQLite store. Random operations
 * (plain, pending, post, void, replays, changed replays, bad input, clock
 * advances and expiry sweeps; small and near-INT64_MAX amounts) are applied
 * to both, several per write transaction as group commit does. After every
 * operation the result code, the returned transfer and every account's four
 * sums must agree; at the end every stored transfer must match and
 * `ledger verify` must find nothing.
 *
 * WONPAY_MODEL_SEED (decimal or 0x hex) and WONPAY_MODEL_STEPS pick the run;
 * the seed is printed first so a failure can be replayed.
 *
 * The model is written from ledger.h. Where the header leaves a choice open
 * the model takes the implementation's: the order in which validation
 * failures are reported (flags, code, timeout, pending_id, pending not
 * found / not pending, accounts, amount, pending state, expiry, pending
 * accounts, pending amount, accounts found, overflow, limits), the order in
 * which differing fields of a replay are named, and that a pending transfer
 * expires when now >= created + timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ledger.h"
#include "temp_store.h"
#include "store/store.h"

#define T0 1700000000000LL
#define A_MAX 24
#define A_START 8
#define YEAR_S (365LL * 24 * 3600)
#define DMNEC WP_ACCOUNT_DEBITS_MUST_NOT_EXCEED_CREDITS
#define CMNED WP_ACCOUNT_CREDITS_MUST_NOT_EXCEED_DEBITS
#define PEND WP_TRANSFER_PENDING
#define POST WP_TRANSFER_POST_PENDING
#define VOID WP_TRANSFER_VOID_PENDING

/* ---- PRNG: splitmix64 ---- */

static uint64_t rng_;

static uint64_t rnd(void)
{
	uint64_t z = (rng_ += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int64_t below(int64_t n) /* 0 <= r < n, n > 0 */
{
	return (int64_t)(rnd() % (uint64_t)n);
}

static bool chance(int pct)
{
	return below(100) < pct;
}

/* ---- the model ---- */

enum { DP, CP, DQ, CQ };

struct macct {
	int64_t id;
	uint32_t flags;
	int64_t s[4]; /* debits_posted, credits_posted, debits_pending, credits_pending */
};

struct mrec {
	bool exists;
	struct wp_transfer t; /* as stored */
};

static struct {
	uint64_t seed;
	long steps, step;
	int64_t now;
	struct macct acct[A_MAX];
	int n_acct;
	struct mrec *rec; /* by number: id "t<n>" */
	long cap_rec, next_id;
	struct wp_transfer *hist; /* every transfer request sent, as sent */
	long n_hist;
	long *pend; /* numbers of ids first sent as pending transfers */
	long n_pend;
	char fail[2048];
	long results[64], replays, sweeps, swept, unswept_expiries, accounts_made;
} M;

static int64_t unknown_account(void)
{
	return chance(20) ? 0 : 1000000 + below(1000);
}

static struct macct *m_account(int64_t id)
{
	for (int i = 0; i < M.n_acct; i++)
		if (M.acct[i].id == id)
			return &M.acct[i];
	return NULL;
}

static bool m_id_valid(const char *id)
{
	size_t n = strnlen(id, WP_TRANSFER_ID_MAX + 1);
	if (n < 1 || n > WP_TRANSFER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:",
			   id[i]) == NULL ||
		    id[i] == '\0')
			return false;
	return true;
}

/* The record of id "t<n>", if one is stored. */
static struct mrec *m_lookup(const char *id)
{
	if (id[0] != 't' || id[1] < '0' || id[1] > '9' || (id[1] == '0' && id[2] != '\0'))
		return NULL;
	char *end = NULL;
	long n = strtol(id + 1, &end, 10);
	if (*end != '\0' || n < 0 || n >= M.cap_rec || !M.rec[n].exists)
		return NULL;
	return &M.rec[n];
}

static void m_store(const char *id, const struct wp_transfer *t)
{
	long n = strtol(id + 1, NULL, 10);
	if (id[0] != 't' || n < 0 || n >= M.cap_rec)
		fail_msg("model: id %s outside the model's id space", id);
	M.rec[n].exists = true;
	M.rec[n].t = *t;
}

static bool is_open_pending(const struct mrec *r)
{
	return (r->t.flags & PEND) && r->t.result == WP_TR_OK && r->t.state == WP_PENDING_OPEN;
}

/* An open pending transfer's reservation goes away. */
static void m_release(struct mrec *p, int32_t state)
{
	struct macct *d = m_account(p->t.debit_account_id), *c = m_account(p->t.credit_account_id);
	if (d == NULL || c == NULL || !is_open_pending(p))
		fail_msg("model: releasing %s, which is not an open pending transfer", p->t.id);
	d->s[DQ] -= p->t.amount;
	c->s[CQ] -= p->t.amount;
	p->t.state = state;
}

static int m_replay_diff(const struct wp_transfer *old, const struct wp_transfer *t)
{
	if (old->flags != t->flags)
		return WP_TR_EXISTS_WITH_DIFFERENT_FLAGS;
	if (strcmp(old->pending_id, t->pending_id) != 0)
		return WP_TR_EXISTS_WITH_DIFFERENT_PENDING_ID;
	if (old->debit_account_id != t->debit_account_id)
		return WP_TR_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT;
	if (old->credit_account_id != t->credit_account_id)
		return WP_TR_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT;
	if (old->amount != t->amount)
		return WP_TR_EXISTS_WITH_DIFFERENT_AMOUNT;
	if (old->timeout_s != t->timeout_s)
		return WP_TR_EXISTS_WITH_DIFFERENT_TIMEOUT;
	if (old->code != t->code)
		return WP_TR_EXISTS_WITH_DIFFERENT_CODE;
	if (strcmp(old->ref, t->ref) != 0)
		return WP_TR_EXISTS_WITH_DIFFERENT_REF;
	return WP_TR_OK;
}

static bool over(__int128 v)
{
	return v > INT64_MAX;
}

/* The outcome of a new, valid-id attempt; applies it to the model when it succeeds. */
static int m_decide(const struct wp_transfer *t, uint32_t phase, struct mrec *p)
{
	bool resolving = phase == POST || phase == VOID;
	if ((t->flags & ~(uint32_t)(PEND | POST | VOID)) != 0 ||
	    !(phase == 0 || phase == PEND || resolving))
		return WP_TR_FLAGS_INVALID;
	if (t->code <= 0)
		return WP_TR_CODE_INVALID;
	if (t->timeout_s < 0 || t->timeout_s > YEAR_S || (t->timeout_s != 0 && phase != PEND))
		return WP_TR_TIMEOUT_INVALID;
	if (resolving ? t->pending_id[0] == '\0' : t->pending_id[0] != '\0')
		return WP_TR_PENDING_ID_INVALID;
	if (resolving) {
		if (p == NULL)
			return WP_TR_PENDING_NOT_FOUND;
		if (!(p->t.flags & PEND) || p->t.result != WP_TR_OK)
			return WP_TR_PENDING_NOT_PENDING;
	}
	if (t->debit_account_id == t->credit_account_id)
		return WP_TR_ACCOUNTS_MUST_BE_DIFFERENT;
	if (t->amount <= 0)
		return WP_TR_AMOUNT_MUST_BE_POSITIVE;
	if (resolving) {
		if (p->t.state == WP_PENDING_POSTED)
			return WP_TR_PENDING_ALREADY_POSTED;
		if (p->t.state == WP_PENDING_VOIDED)
			return WP_TR_PENDING_ALREADY_VOIDED;
		if (p->t.state == WP_PENDING_EXPIRED)
			return WP_TR_PENDING_EXPIRED;
		if (p->t.expires_ms != 0 && M.now >= p->t.expires_ms) {
			m_release(p, WP_PENDING_EXPIRED); /* the sweep had not come yet */
			M.unswept_expiries++;
			return WP_TR_PENDING_EXPIRED;
		}
		if (t->debit_account_id != p->t.debit_account_id ||
		    t->credit_account_id != p->t.credit_account_id)
			return WP_TR_PENDING_ACCOUNTS_DIFFER;
		if (t->amount > p->t.amount || (phase == VOID && t->amount != p->t.amount))
			return WP_TR_EXCEEDS_PENDING_AMOUNT;
	}
	struct macct *d = m_account(t->debit_account_id);
	if (d == NULL)
		return WP_TR_DEBIT_ACCOUNT_NOT_FOUND;
	struct macct *c = m_account(t->credit_account_id);
	if (c == NULL)
		return WP_TR_CREDIT_ACCOUNT_NOT_FOUND;

	__int128 nd[4], nc[4];
	for (int i = 0; i < 4; i++) {
		nd[i] = d->s[i];
		nc[i] = c->s[i];
	}
	if (phase == PEND) {
		nd[DQ] += t->amount;
		nc[CQ] += t->amount;
	} else if (phase == POST) {
		nd[DQ] -= p->t.amount;
		nc[CQ] -= p->t.amount;
		nd[DP] += t->amount;
		nc[CP] += t->amount;
	} else if (phase == VOID) {
		nd[DQ] -= p->t.amount;
		nc[CQ] -= p->t.amount;
	} else {
		nd[DP] += t->amount;
		nc[CP] += t->amount;
	}
	/* Each sum, and posted + pending on each side, must fit in int64. */
	if (over(nd[DP]) || over(nd[DQ]) || over(nd[DP] + nd[DQ]) || over(nd[CP] + nd[CQ]))
		return WP_TR_OVERFLOWS_DEBITS;
	if (over(nc[CP]) || over(nc[CQ]) || over(nc[CP] + nc[CQ]) || over(nc[DP] + nc[DQ]))
		return WP_TR_OVERFLOWS_CREDITS;
	/* No account may end up breaking its limit. */
	const struct macct *who[2] = {d, c};
	__int128 *ns[2] = {nd, nc};
	for (int k = 0; k < 2; k++) {
		if ((who[k]->flags & DMNEC) && ns[k][DP] + ns[k][DQ] > ns[k][CP]) {
			if (k != 0)
				fail_msg("model: crediting broke DEBITS_MUST_NOT_EXCEED_CREDITS");
			return WP_TR_EXCEEDS_CREDITS;
		}
		if ((who[k]->flags & CMNED) && ns[k][CP] + ns[k][CQ] > ns[k][DP]) {
			if (k != 1)
				fail_msg("model: debiting broke CREDITS_MUST_NOT_EXCEED_DEBITS");
			return WP_TR_EXCEEDS_DEBITS;
		}
	}
	for (int i = 0; i < 4; i++) {
		if (nd[i] < 0 || nc[i] < 0)
			fail_msg("model: a sum went negative");
		d->s[i] = (int64_t)nd[i];
		c->s[i] = (int64_t)nc[i];
	}
	if (resolving)
		p->t.state = phase == POST ? WP_PENDING_POSTED : WP_PENDING_VOIDED;
	return WP_TR_OK;
}

/*
 * The model's answer to one request: the result, whether it is a replay, and
 * the record the ledger must return (NULL when none: invalid id, or a replay
 * with different fields).
 */
static int m_transfer(const struct wp_transfer *in, bool *replayed, const struct mrec **rec)
{
	*replayed = false;
	*rec = NULL;
	if (!m_id_valid(in->id))
		return WP_TR_ID_INVALID;
	struct wp_transfer t = *in;
	uint32_t phase = t.flags & (PEND | POST | VOID);
	bool resolving = phase == POST || phase == VOID;
	struct mrec *p = resolving && t.pending_id[0] != '\0' ? m_lookup(t.pending_id) : NULL;
	if (p != NULL && (p->t.flags & PEND) && p->t.result == WP_TR_OK) {
		/* A post/void may leave accounts and amount to its pending transfer. */
		if (t.debit_account_id == 0)
			t.debit_account_id = p->t.debit_account_id;
		if (t.credit_account_id == 0)
			t.credit_account_id = p->t.credit_account_id;
		if (t.amount == 0)
			t.amount = p->t.amount;
	}
	struct mrec *old = m_lookup(t.id);
	if (old != NULL) {
		int d = m_replay_diff(&old->t, &t);
		if (d != WP_TR_OK && m_replay_diff(&old->t, in) == WP_TR_OK)
			d = WP_TR_OK; /* identical to what was sent the first time */
		if (d != WP_TR_OK)
			return d;
		*replayed = true;
		*rec = old;
		return old->t.result;
	}
	int r = m_decide(&t, phase, p);
	t.created_ms = M.now;
	t.result = r;
	t.state = WP_PENDING_NONE;
	t.expires_ms = 0;
	if (r == WP_TR_OK && phase == PEND) {
		t.state = WP_PENDING_OPEN;
		t.expires_ms = t.timeout_s > 0 ? M.now + t.timeout_s * 1000 : 0;
	}
	m_store(t.id, &t);
	*rec = m_lookup(t.id);
	return r;
}

/* ---- request generators ---- */

static struct wp_transfer blank(void)
{
	struct wp_transfer t;
	memset(&t, 0, sizeof(t));
	snprintf(t.id, sizeof(t.id), "t%ld", M.next_id++);
	t.code = 1 + (int32_t)below(3);
	if (chance(50))
		snprintf(t.ref, sizeof(t.ref), "r%d", (int)below(1000));
	return t;
}

static int64_t pick_account(void)
{
	if (chance(3))
		return unknown_account();
	return M.acct[below(M.n_acct)].id;
}

static void pick_pair(struct wp_transfer *t)
{
	t->debit_account_id = pick_account();
	t->credit_account_id = chance(4) ? t->debit_account_id : pick_account();
}

static int64_t huge(void)
{
	switch (below(3)) {
	case 0:
		return INT64_MAX - below(1000);
	case 1:
		return INT64_MAX / 2 + below(1000);
	default:
		return 1 + (int64_t)(rnd() % (uint64_t)INT64_MAX);
	}
}

static int64_t amount_for(const struct wp_transfer *t)
{
	int r = (int)below(100);
	if (r < 75)
		return 1 + below(1000);
	if (r < 85)
		return 1 + below(1000000);
	if (r < 95) {
		/* Exactly at, or one past, the debit account's room to spend. */
		const struct macct *d = m_account(t->debit_account_id);
		const struct macct *c = m_account(t->credit_account_id);
		int64_t room = 0;
		if (d != NULL && (d->flags & DMNEC))
			room = d->s[CP] - d->s[DP] - d->s[DQ];
		else if (c != NULL && (c->flags & CMNED))
			room = c->s[DP] - c->s[CP] - c->s[CQ];
		else if (d != NULL && c != NULL && chance(20))
			/* the int64 headroom: exactly full, or one past it */
			room = INT64_MAX - (d->s[DP] + d->s[DQ] > c->s[CP] + c->s[CQ]
						? d->s[DP] + d->s[DQ]
						: c->s[CP] + c->s[CQ]);
		else
			return 1 + below(1000);
		return room + (chance(50) && room < INT64_MAX ? 1 : 0);
	}
	if (r < 98)
		return huge();
	return chance(50) ? 0 : -1 - below(100);
}

static struct wp_transfer gen_plain(uint32_t flags)
{
	struct wp_transfer t = blank();
	t.flags = flags;
	pick_pair(&t);
	t.amount = amount_for(&t);
	if (flags == PEND && chance(50))
		t.timeout_s = 1 + below(30);
	return t;
}

/* A pending id to resolve: mostly recent pending transfers, some others. */
static void pick_pending_id(char *out, size_t cap)
{
	int r = (int)below(100);
	if (M.n_pend > 0 && r < 82) {
		/* Prefer ones that were applied (many pending attempts fail). */
		for (int tries = 0; tries < 4; tries++) {
			long i = chance(60) ? M.n_pend - 1 - below(M.n_pend < 20 ? M.n_pend : 20)
					    : below(M.n_pend);
			snprintf(out, cap, "t%ld", M.pend[i]);
			const struct mrec *p = m_lookup(out);
			if (p != NULL && p->t.result == WP_TR_OK)
				break;
		}
	} else if (M.next_id > 0 && r < 90) {
		snprintf(out, cap, "t%ld", (long)below(M.next_id)); /* any id: often not pending */
	} else if (r < 95) {
		snprintf(out, cap, "u%d", (int)below(100)); /* never exists */
	} else {
		snprintf(out, cap, "t%ld", M.next_id + 1 + below(5)); /* exists later, perhaps */
	}
}

static struct wp_transfer gen_resolve(uint32_t flags, const char *pending_id)
{
	struct wp_transfer t = blank();
	t.flags = flags;
	if (pending_id != NULL)
		snprintf(t.pending_id, sizeof(t.pending_id), "%s", pending_id);
	else
		pick_pending_id(t.pending_id, sizeof(t.pending_id));
	const struct mrec *p = m_lookup(t.pending_id);
	int r = (int)below(100);
	if (r < 55) {
		/* accounts left to the pending */
	} else if (r < 90 && p != NULL) {
		t.debit_account_id = p->t.debit_account_id;
		t.credit_account_id = p->t.credit_account_id;
		if (chance(20))
			t.debit_account_id = 0;
	} else {
		pick_pair(&t);
	}
	int64_t full = p != NULL ? p->t.amount : 1 + below(1000);
	r = (int)below(100);
	if (r < 35)
		t.amount = 0;
	else if (r < 65)
		t.amount = full;
	else if (r < 85 && flags == POST && full > 0)
		t.amount = 1 + below(full);
	else if (r < 93 && full < INT64_MAX)
		t.amount = full + 1;
	else
		t.amount = amount_for(&t);
	return t;
}

static const struct wp_transfer *pick_hist(bool valid_id)
{
	for (int tries = 0; tries < 8 && M.n_hist > 0; tries++) {
		long i = chance(50) ? M.n_hist - 1 - below(M.n_hist < 30 ? M.n_hist : 30)
				    : below(M.n_hist);
		if (!valid_id || m_id_valid(M.hist[i].id))
			return &M.hist[i];
	}
	return NULL;
}

static struct wp_transfer gen_changed(const struct wp_transfer *h)
{
	struct wp_transfer t = *h;
	switch (below(8)) {
	case 0:
		if (t.flags & (POST | VOID))
			t.flags ^= POST | VOID;
		else
			t.flags ^= PEND;
		break;
	case 1:
		t.debit_account_id =
		    t.debit_account_id != M.acct[0].id ? M.acct[0].id : M.acct[1].id;
		break;
	case 2:
		t.credit_account_id = chance(80) ? pick_account() : t.credit_account_id + 1;
		break;
	case 3:
		t.amount = t.amount == INT64_MAX ? t.amount - 1 : t.amount + 1;
		break;
	case 4:
		if (t.pending_id[0] == '\0' || chance(30))
			pick_pending_id(t.pending_id, sizeof(t.pending_id));
		else
			t.pending_id[0] = '\0';
		break;
	case 5:
		t.timeout_s += 1;
		break;
	case 6:
		t.code += 1;
		break;
	default: {
		size_t n = strlen(t.ref);
		if (n < WP_TRANSFER_REF_MAX)
			t.ref[n] = 'x';
		else
			t.ref[0] ^= 1;
		break;
	}
	}
	return t;
}

static struct wp_transfer gen_bad(void)
{
	struct wp_transfer t = gen_plain(0);
	if (t.amount <= 0)
		t.amount = 1;
	switch (below(19)) {
	case 0:
		t.id[0] = '\0';
		break;
	case 1:
		snprintf(t.id, sizeof(t.id), "bad id %d", (int)below(10));
		break;
	case 2:
		memset(t.id, 'k', sizeof(t.id)); /* 65 characters, unterminated */
		break;
	case 3:
		t.flags = PEND | (chance(50) ? POST : VOID);
		break;
	case 4:
		t.flags = 1u << (3 + below(5));
		break;
	case 5:
		t.code = 0;
		break;
	case 6:
		t.code = -1 - (int32_t)below(5);
		break;
	case 7:
		t.timeout_s = 1 + below(10);
		break;
	case 8:
		t.flags = PEND;
		t.timeout_s = -1 - below(10);
		break;
	case 9:
		t.flags = PEND;
		t.timeout_s = YEAR_S + 1 + below(10);
		break;
	case 10:
		pick_pending_id(t.pending_id, sizeof(t.pending_id));
		break;
	case 11:
		t.flags = chance(50) ? POST : VOID;
		break;
	case 12:
		t.credit_account_id = t.debit_account_id;
		break;
	case 13:
		t.amount = 0;
		break;
	case 14:
		t.amount = chance(10) ? INT64_MIN : -1 - below(1000);
		break;
	case 15:
		t.debit_account_id = unknown_account();
		break;
	case 16:
		t.credit_account_id = unknown_account();
		break;
	case 17:
		t.flags = POST;
		snprintf(t.pending_id, sizeof(t.pending_id), "u%d", (int)below(100));
		break;
	default:
		t.flags = VOID;
		snprintf(t.pending_id, sizeof(t.pending_id), "u%d", (int)below(100));
		t.debit_account_id = t.credit_account_id = 0;
		t.amount = 0;
		break;
	}
	return t;
}

/* ---- running one step against both ---- */

#define MISMATCH(...)                                                                              \
	do {                                                                                       \
		int o_ = snprintf(M.fail, sizeof(M.fail),                                          \
				  "seed 0x%llx step %ld: ", (unsigned long long)M.seed, M.step);   \
		snprintf(M.fail + o_, sizeof(M.fail) - (size_t)o_, __VA_ARGS__);                   \
		return WP_E_INTERNAL;                                                              \
	} while (0)

static const char *describe(const struct wp_transfer *t)
{
	static char buf[512];
	char id[WP_TRANSFER_ID_MAX + 1];
	memcpy(id, t->id, WP_TRANSFER_ID_MAX);
	id[WP_TRANSFER_ID_MAX] = '\0';
	snprintf(buf, sizeof(buf),
		 "{id=\"%s\" flags=%u dr=%lld cr=%lld amount=%lld pending_id=\"%s\" timeout=%lld "
		 "code=%d ref=\"%s\"} at now=%lld",
		 id, t->flags, (long long)t->debit_account_id, (long long)t->credit_account_id,
		 (long long)t->amount, t->pending_id, (long long)t->timeout_s, t->code, t->ref,
		 (long long)M.now);
	return buf;
}

static bool same_transfer(const struct wp_transfer *a, const struct wp_transfer *b)
{
	return strcmp(a->id, b->id) == 0 && a->debit_account_id == b->debit_account_id &&
	       a->credit_account_id == b->credit_account_id && a->amount == b->amount &&
	       a->code == b->code && a->flags == b->flags &&
	       strcmp(a->pending_id, b->pending_id) == 0 && a->timeout_s == b->timeout_s &&
	       strcmp(a->ref, b->ref) == 0 && a->created_ms == b->created_ms &&
	       a->expires_ms == b->expires_ms && a->state == b->state && a->result == b->result;
}

static wp_status step_transfer(struct wp_tx *tx, const struct wp_transfer *in)
{
	bool want_replayed;
	const struct mrec *want_rec;
	int want = m_transfer(in, &want_replayed, &want_rec);
	struct wp_transfer out;
	bool replayed = !want_replayed;
	wp_status st = wp_ledger_transfer(tx, in, M.now, &out, &replayed);
	if (st != WP_OK)
		MISMATCH("wp_ledger_transfer failed with %s for %s", wp_status_name(st),
			 describe(in));
	if (out.result != want)
		MISMATCH("result %s, the model expects %s, for %s",
			 wp_transfer_result_name(out.result), wp_transfer_result_name(want),
			 describe(in));
	if (replayed != want_replayed)
		MISMATCH("replayed=%d, the model expects %d, for %s", replayed, want_replayed,
			 describe(in));
	if (want_rec != NULL && !same_transfer(&out, &want_rec->t)) {
		char got[512];
		snprintf(got, sizeof(got), "%s", describe(&out));
		MISMATCH("returned %s state=%d expires=%lld created=%lld; the model has %s "
			 "state=%d expires=%lld created=%lld",
			 got, out.state, (long long)out.expires_ms, (long long)out.created_ms,
			 describe(&want_rec->t), want_rec->t.state,
			 (long long)want_rec->t.expires_ms, (long long)want_rec->t.created_ms);
	}
	if (M.n_hist < M.steps)
		M.hist[M.n_hist++] = *in;
	if (want >= 0 && want < 64)
		M.results[want]++;
	M.replays += want_replayed;
	return WP_OK;
}

static wp_status step_expire(struct wp_tx *tx)
{
	unsigned max = chance(50) ? 1000 : 1 + (unsigned)below(3);
	long n_elig = 0;
	for (long i = 0; i < M.next_id && i < M.cap_rec; i++) {
		const struct mrec *r = &M.rec[i];
		if (r->exists && is_open_pending(r) && r->t.expires_ms != 0 &&
		    r->t.expires_ms <= M.now)
			n_elig++;
	}
	unsigned got = 0;
	wp_status st = wp_ledger_expire(tx, M.now, max, &got);
	if (st != WP_OK)
		MISMATCH("wp_ledger_expire failed with %s", wp_status_name(st));
	long want = n_elig < (long)max ? n_elig : (long)max;
	if ((long)got != want)
		MISMATCH("expire(now=%lld, max=%u) released %u, the model has %ld due",
			 (long long)M.now, max, got, n_elig);
	/* Which ones were released is the ledger's choice among equals: the earliest due. */
	int64_t latest_taken = INT64_MIN, earliest_left = INT64_MAX;
	long taken = 0;
	for (long i = 0; i < M.next_id && i < M.cap_rec; i++) {
		struct mrec *r = &M.rec[i];
		if (!(r->exists && is_open_pending(r) && r->t.expires_ms != 0 &&
		      r->t.expires_ms <= M.now))
			continue;
		struct wp_transfer s;
		if (tx->ops->transfer_get(tx, r->t.id, &s) != WP_OK)
			MISMATCH("pending %s vanished", r->t.id);
		if (s.state == WP_PENDING_EXPIRED) {
			taken++;
			if (r->t.expires_ms > latest_taken)
				latest_taken = r->t.expires_ms;
			m_release(r, WP_PENDING_EXPIRED);
		} else if (s.state == WP_PENDING_OPEN) {
			if (r->t.expires_ms < earliest_left)
				earliest_left = r->t.expires_ms;
		} else {
			MISMATCH("pending %s is in state %d after a sweep", r->t.id, s.state);
		}
	}
	if (taken != (long)got || latest_taken > earliest_left)
		MISMATCH("expire released %u but %ld changed state (latest taken %lld, earliest "
			 "left %lld)",
			 got, taken, (long long)latest_taken, (long long)earliest_left);
	M.sweeps++;
	M.swept += got;
	return WP_OK;
}

static wp_status step_account(struct wp_tx *tx)
{
	static const uint32_t kinds[] = {0, 0, DMNEC, DMNEC, CMNED};
	uint32_t flags = kinds[below(5)];
	struct wp_account a;
	wp_status st = wp_ledger_create_account(tx, WP_ACCOUNT_TEST, flags, M.now, &a);
	if (st != WP_OK)
		MISMATCH("create_account failed with %s", wp_status_name(st));
	if (m_account(a.id) != NULL || a.id <= 0)
		MISMATCH("create_account returned id %lld", (long long)a.id);
	struct macct *m = &M.acct[M.n_acct++];
	memset(m, 0, sizeof(*m));
	m->id = a.id;
	m->flags = flags;
	M.accounts_made++;
	return WP_OK;
}

static wp_status one_step(struct wp_tx *tx)
{
	int r = (int)below(1000);
	if (r < 5 && M.n_acct < A_MAX)
		return step_account(tx);
	r = (int)below(100);
	struct wp_transfer t;
	if (r < 24) {
		t = gen_plain(0);
	} else if (r < 41) {
		t = gen_plain(PEND);
		M.pend[M.n_pend++] = strtol(t.id + 1, NULL, 10);
	} else if (r < 55) {
		t = gen_resolve(POST, NULL);
	} else if (r < 62) {
		t = gen_resolve(VOID, NULL);
	} else if (r < 72) {
		const struct wp_transfer *h = pick_hist(false);
		if (h == NULL)
			return WP_OK;
		t = *h; /* the same request again */
	} else if (r < 78) {
		const struct wp_transfer *h = pick_hist(true);
		if (h == NULL)
			return WP_OK;
		t = gen_changed(h);
	} else if (r < 86) {
		t = gen_bad();
	} else if (r < 94) {
		M.now += below(15000);
		return chance(75) ? step_expire(tx) : WP_OK;
	} else {
		/* Time passes, no sweep: posts meet due pendings. Sometimes the clock
		 * goes to exactly a deadline, or 1 ms before it, and the pending
		 * transfer is resolved (or swept) right then. */
		int64_t next = INT64_MAX;
		char pid[24] = "";
		for (long i = M.n_pend - 1; i >= 0 && i >= M.n_pend - 40; i--) {
			char id[24];
			snprintf(id, sizeof(id), "t%ld", M.pend[i]);
			const struct mrec *p = m_lookup(id);
			if (p != NULL && is_open_pending(p) && p->t.expires_ms > M.now &&
			    p->t.expires_ms < next) {
				next = p->t.expires_ms;
				snprintf(pid, sizeof(pid), "%s", id);
			}
		}
		if (next == INT64_MAX || chance(30)) {
			M.now += below(8000);
			return WP_OK;
		}
		M.now = next - (chance(30) ? 1 : 0);
		if (chance(25))
			return step_expire(tx);
		t = gen_resolve(chance(70) ? POST : VOID, pid);
	}
	return step_transfer(tx, &t);
}

static wp_status check_accounts(struct wp_tx *tx, struct wp_store *s)
{
	for (int i = 0; i < M.n_acct; i++) {
		const struct macct *m = &M.acct[i];
		struct wp_account a;
		wp_status st = tx != NULL ? tx->ops->account_get(tx, m->id, &a)
					  : s->ops->account_read(s, m->id, &a);
		if (st != WP_OK)
			MISMATCH("account %lld: read failed with %s", (long long)m->id,
				 wp_status_name(st));
		if (a.debits_posted != m->s[DP] || a.credits_posted != m->s[CP] ||
		    a.debits_pending != m->s[DQ] || a.credits_pending != m->s[CQ] ||
		    a.flags != m->flags)
			MISMATCH("account %lld%s: ledger dp=%lld cp=%lld dq=%lld cq=%lld, model "
				 "dp=%lld cp=%lld dq=%lld cq=%lld",
				 (long long)m->id, tx != NULL ? "" : " (committed)",
				 (long long)a.debits_posted, (long long)a.credits_posted,
				 (long long)a.debits_pending, (long long)a.credits_pending,
				 (long long)m->s[DP], (long long)m->s[CP], (long long)m->s[DQ],
				 (long long)m->s[CQ]);
	}
	return WP_OK;
}

struct batch {
	int n;
	bool savepoints;
};

static wp_status batch_fn(struct wp_tx *tx, void *arg)
{
	const struct batch *b = arg;
	for (int i = 0; i < b->n && M.step < M.steps; i++) {
		M.step++;
		M.now += below(20);
		if (b->savepoints && tx->ops->tx_savepoint(tx) != WP_OK)
			MISMATCH("savepoint failed");
		wp_status st = one_step(tx);
		if (st != WP_OK)
			return st;
		if (b->savepoints && tx->ops->tx_release(tx) != WP_OK)
			MISMATCH("release failed");
		st = check_accounts(tx, NULL);
		if (st != WP_OK)
			return st;
	}
	return WP_OK;
}

static wp_status setup_accounts(struct wp_tx *tx, void *arg)
{
	(void)arg;
	static const uint32_t flags[A_START] = {0, 0, 0, DMNEC, DMNEC, DMNEC, DMNEC, CMNED};
	for (int i = 0; i < A_START; i++) {
		struct wp_account a;
		wp_status st = wp_ledger_create_account(tx, WP_ACCOUNT_TEST, flags[i], M.now, &a);
		if (st != WP_OK)
			return st;
		M.acct[i].id = a.id;
		M.acct[i].flags = flags[i];
	}
	M.n_acct = A_START;
	return WP_OK;
}

static void on_problem(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "verify: %s\n", line);
}

static void test_model(void **state)
{
	(void)state;
	const char *seed_env = getenv("WONPAY_MODEL_SEED");
	const char *steps_env = getenv("WONPAY_MODEL_STEPS");
	memset(&M, 0, sizeof(M));
	M.seed = seed_env != NULL && *seed_env ? strtoull(seed_env, NULL, 0) : 0x5eed0001ULL;
	M.steps = steps_env != NULL && *steps_env ? strtol(steps_env, NULL, 10) : 3000;
	if (M.steps <= 0)
		M.steps = 3000;
	rng_ = M.seed;
	M.now = T0;
	printf("ledger model: WONPAY_MODEL_SEED=0x%llx WONPAY_MODEL_STEPS=%ld\n",
	       (unsigned long long)M.seed, M.steps);
	fflush(stdout);
	M.cap_rec = M.steps + 16;
	M.rec = calloc((size_t)M.cap_rec, sizeof(*M.rec));
	M.hist = calloc((size_t)M.steps, sizeof(*M.hist));
	M.pend = calloc((size_t)M.steps + 1, sizeof(*M.pend));
	assert_non_null(M.rec);
	assert_non_null(M.hist);
	assert_non_null(M.pend);

	struct temp_store store;
	struct wp_store *s = temp_store_open(&store, 2);
	assert_non_null(s);
	assert_int_equal(wp_store_write(s, setup_accounts, NULL), WP_OK);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long batches = 0;
	while (M.step < M.steps) {
		struct batch b = {.n = 1 + (int)below(10), .savepoints = chance(50)};
		wp_status st = wp_store_write(s, batch_fn, &b);
		if (st != WP_OK) {
			if (M.fail[0] == '\0')
				snprintf(M.fail, sizeof(M.fail),
					 "seed 0x%llx step %ld: the write transaction failed: %s",
					 (unsigned long long)M.seed, M.step, wp_status_name(st));
			fail_msg("%s", M.fail);
		}
		if (check_accounts(NULL, s) != WP_OK)
			fail_msg("%s", M.fail);
		batches++;
	}

	/* Every remembered transfer, as stored. */
	long n_stored = 0, n_failed = 0, n_open = 0;
	for (long i = 0; i < M.cap_rec; i++) {
		const struct mrec *r = &M.rec[i];
		if (!r->exists)
			continue;
		n_stored++;
		n_failed += r->t.result != WP_TR_OK;
		n_open += is_open_pending(r);
		struct wp_transfer got;
		assert_int_equal(s->ops->transfer_read(s, r->t.id, &got), WP_OK);
		if (!same_transfer(&got, &r->t))
			fail_msg("seed 0x%llx end: stored %s state=%d differs from the model's "
				 "state=%d",
				 (unsigned long long)M.seed, r->t.id, got.state, r->t.state);
	}
	__int128 total_dp = 0, total_cp = 0;
	for (int i = 0; i < M.n_acct; i++) {
		total_dp += M.acct[i].s[DP];
		total_cp += M.acct[i].s[CP];
	}
	assert_true(total_dp == total_cp);

	struct wp_verify_report rep;
	assert_int_equal(wp_ledger_verify(s, on_problem, NULL, &rep), WP_OK);
	if (rep.problems != 0)
		fail_msg("seed 0x%llx: verify found %lld problems", (unsigned long long)M.seed,
			 (long long)rep.problems);
	assert_int_equal(rep.accounts, M.n_acct);
	assert_int_equal(rep.transfers, n_stored);
	assert_int_equal(rep.failed_attempts, n_failed);
	assert_int_equal(rep.open_pending, n_open);
	assert_int_equal(rep.total_debits_posted,
			 total_dp > INT64_MAX ? INT64_MAX : (int64_t)total_dp);
	assert_int_equal(rep.total_credits_posted,
			 total_cp > INT64_MAX ? INT64_MAX : (int64_t)total_cp);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("ledger model: %ld steps in %ld transactions, %.2f s; %ld transfers stored "
	       "(%ld failed, %ld open), %ld replays, %ld sweeps releasing %ld, %ld expired on "
	       "resolve, %ld accounts added\n",
	       M.steps, batches, secs, n_stored, n_failed, n_open, M.replays, M.sweeps, M.swept,
	       M.unswept_expiries, M.accounts_made);
	printf("ledger model: results:");
	for (int i = 0; i < 64; i++)
		if (M.results[i] != 0)
			printf(" %s=%ld", wp_transfer_result_name(i), M.results[i]);
	printf("\n");

	temp_store_close(&store);
	free(M.rec);
	free(M.hist);
	free(M.pend);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
